namespace KestrelOneShot.Hosting;

/// <summary>
/// Where the served message line goes: stdout for the program, a captured writer for tests.
/// Logs never come here, so stdout carries the message line and nothing else.
/// </summary>
public sealed class MessageOutput(TextWriter writer)
{
    public void WriteLine(string line)
    {
        writer.WriteLine(line);
        writer.Flush();
    }
}
