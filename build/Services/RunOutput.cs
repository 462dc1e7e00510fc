using Spectre.Console;

namespace Build.Services;

/// <summary>
/// What tasks print (tables, reports, diffs) and what the tools they run say. By default the process's stdout and
/// stderr, looked up at each write so the bytes are exactly what <c>Console.Out</c> would get; tests give the host
/// writers of their own instead of swapping the process's Console.
/// </summary>
public sealed class RunOutput(TextWriter? output = null, TextWriter? error = null, IAnsiConsole? live = null)
{
    public TextWriter Out => output ?? Console.Out;

    public TextWriter Error => error ?? Console.Error;

    public void Write(string text) => Out.Write(text);

    public void WriteLine(string line) => Out.WriteLine(line);

    public void WriteError(string line) => Error.WriteLine(line);

    /// <summary>
    /// A console that may redraw a live view: only the process's own stdout when it is an interactive terminal
    /// (a redirected stdout, or a writer given by a test, gets plain lines), or the terminal console a run was given.
    /// </summary>
    public IAnsiConsole? LiveConsole()
    {
        if (output is not null)
        {
            // Given writers are plain unless their owner vouches for a terminal behind them (the server's client).
            return live;
        }

        var console = AnsiConsole.Console;
        return Console.IsOutputRedirected || !console.Profile.Capabilities.Interactive ? null : console;
    }
}
