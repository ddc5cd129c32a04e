namespace KestrelOneShot.Output;

/// <summary>The contract's stdout line, <c>The message was: &lt;msg&gt;</c>: its prefix is added here and nowhere else.</summary>
internal static class MessageStdout
{
    public const string Prefix = "The message was: ";

    /// <summary>Queues the message line for <paramref name="text"/>, the message already escaped.</summary>
    public static ValueTask WriteMessageAsync(this QueuedLineWriter stdout, string text) => stdout.WriteLineAsync(Prefix, text);
}
