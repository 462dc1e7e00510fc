using System.Globalization;
using System.Text;

namespace Build.Server;

/// <summary>
/// One run asked of the resident server by build.sh: NUL-terminated fields, in this order — the protocol word, the
/// token, the folder holding the client's two FIFOs (out, err), whether the client's stdout is a terminal (1/0), its
/// width in columns (0: unknown), its working directory, the argument count and the arguments, the environment
/// count and its NAME=value entries. Bash writes it with one <c>printf '%s\0'</c>; nothing in it is parsed by position
/// beyond that order.
/// </summary>
public sealed record ServerRequest(
    string Token,
    string FifoDirectory,
    bool Terminal,
    int Columns,
    string WorkingDirectory,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment)
{
    public const string Protocol = "kiln-request-1";

    /// <summary>Arguments and variables are bounded so a stray client cannot make the server read forever.</summary>
    private const int MaxFields = 100_000;
    private const int MaxFieldBytes = 1 << 20;

    public static ServerRequest Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var reader = new FieldReader(stream);
        var protocol = reader.Next("protocol");
        if (protocol != Protocol)
        {
            throw new InvalidDataException($"not a Kiln request (expected '{Protocol}', got '{Shorten(protocol)}'): the client and the server come from different versions of build.sh");
        }

        var token = reader.Next("token");
        var fifos = reader.Next("FIFO folder");
        var terminal = reader.Next("terminal flag") == "1";
        var columns = int.TryParse(reader.Next("columns"), NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : 0;
        var cwd = reader.Next("working directory");
        var arguments = Enumerable.Range(0, reader.Count("argument count")).Select(_ => reader.Next("argument")).ToList();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in Enumerable.Range(0, reader.Count("environment count")).Select(_ => reader.Next("environment entry")))
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                environment[entry[..eq]] = entry[(eq + 1)..];
            }
        }

        if (!Path.IsPathFullyQualified(fifos) || !Path.IsPathFullyQualified(cwd))
        {
            throw new InvalidDataException("the FIFO folder and the working directory must be absolute paths");
        }

        return new ServerRequest(token, fifos, terminal, columns, cwd, arguments, environment);
    }

    /// <summary>What build.sh sends, byte for byte (the tests' client and its documentation).</summary>
    public byte[] Encode()
    {
        var fields = new List<string> { Protocol, Token, FifoDirectory, Terminal ? "1" : "0", Columns.ToString(CultureInfo.InvariantCulture), WorkingDirectory, Arguments.Count.ToString(CultureInfo.InvariantCulture) };
        fields.AddRange(Arguments);
        fields.Add(Environment.Count.ToString(CultureInfo.InvariantCulture));
        fields.AddRange(Environment.Select(kv => $"{kv.Key}={kv.Value}"));
        return Encoding.UTF8.GetBytes(string.Concat(fields.Select(f => f + "\0")));
    }

    /// <summary>The request without its token and environment, for the server's log.</summary>
    public override string ToString() => $"{WorkingDirectory}: {string.Join(' ', Arguments)}";

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;

    private sealed class FieldReader(Stream stream)
    {
        private readonly List<byte> _field = [];
        private int _fields;

        public string Next(string what)
        {
            if (++_fields > MaxFields)
            {
                throw new InvalidDataException($"too many fields (more than {MaxFields})");
            }

            _field.Clear();
            while (true)
            {
                var b = stream.ReadByte();
                if (b < 0)
                {
                    throw new InvalidDataException($"the request ended before its {what}");
                }

                if (b == 0)
                {
                    return Encoding.UTF8.GetString([.. _field]);
                }

                if (_field.Count == MaxFieldBytes)
                {
                    throw new InvalidDataException($"its {what} is longer than {MaxFieldBytes} bytes");
                }

                _field.Add((byte)b);
            }
        }

        public int Count(string what)
        {
            var text = Next(what);
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= MaxFields
                ? n
                : throw new InvalidDataException($"its {what} is not a count: '{Shorten(text)}'");
        }
    }
}
