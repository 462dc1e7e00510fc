using System.Text;

namespace Build.Tools;

/// <summary>One argument; a secret one is rendered as [REDACTED] in every log line (it still reaches the process).</summary>
public readonly record struct Argument(string Value, bool Secret = false);

/// <summary>
/// A process invocation as data: tests assert on <see cref="Render"/> (Cake.Docker's style), the runner passes
/// <see cref="Arguments"/> through ProcessStartInfo.ArgumentList, so no shell ever re-parses them.
/// </summary>
public sealed record CommandLine(string FileName, IReadOnlyList<Argument> Arguments)
{
    public CommandLine(string fileName)
        : this(fileName, [])
    {
    }

    public CommandLine Add(params string[] values) =>
        this with { Arguments = [.. Arguments, .. values.Select(v => new Argument(v))] };

    public CommandLine AddIf(bool condition, params string[] values) => condition ? Add(values) : this;

    public CommandLine AddSecret(string value) => this with { Arguments = [.. Arguments, new Argument(value, Secret: true)] };

    /// <summary>The command as a person would type it, secrets redacted, quoted only where a shell needs it.</summary>
    public string Render()
    {
        var sb = new StringBuilder(Quote(FileName));
        foreach (var argument in Arguments)
        {
            sb.Append(' ').Append(argument.Secret ? "[REDACTED]" : Quote(argument.Value));
        }

        return sb.ToString();
    }

    public override string ToString() => Render();

    internal static string Quote(string value)
    {
        if (value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@+%^".Contains(c, StringComparison.Ordinal)))
        {
            return value;
        }

        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
