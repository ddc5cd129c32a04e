using KestrelOneShot.Logging;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KestrelOneShot.Tests.Logging;

public sealed class OneLineConsoleFormatterTests
{
    [Fact]
    public void WritesLevelAndMessageOnOneLine() =>
        Assert.Equal("info: Listening on 127.0.0.1:9999\n", Format(LogLevel.Information, "Listening on 127.0.0.1:9999", exception: null));

    [Fact]
    public void FoldsMultiLineTextAndNamesExceptionsWithoutTheirStackTrace()
    {
        Exception exception;
        try
        {
            throw new InvalidOperationException("outer\nsecond line", new IOException("inner"));
        }
        catch (InvalidOperationException thrown)
        {
            exception = thrown; // Thrown, so it has a stack trace that must not be written.
        }

        var written = Format(LogLevel.Error, "start failed\r\n  details", exception);

        Assert.Equal("fail: start failed details (InvalidOperationException: outer second line <- IOException: inner)\n", written);
    }

    private static string Format(LogLevel level, string message, Exception? exception)
    {
        var writer = new StringWriter { NewLine = "\n" };
        var entry = new LogEntry<string>(level, "Category", new EventId(1), message, exception, (state, _) => state);
        new OneLineConsoleFormatter().Write(entry, scopeProvider: null, writer);
        return writer.ToString();
    }
}
