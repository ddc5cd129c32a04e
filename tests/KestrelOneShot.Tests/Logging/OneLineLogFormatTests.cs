using KestrelOneShot.Logging;

using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Tests.Logging;

public sealed class OneLineLogFormatTests
{
    [Fact]
    public void WritesLevelAndMessageOnOneLine() =>
        Assert.Equal("info: Listening on 127.0.0.1:9999", OneLineLogFormat.Format(LogLevel.Information, "Listening on 127.0.0.1:9999", exception: null));

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

        var line = OneLineLogFormat.Format(LogLevel.Error, "start failed\r\n  details", exception);

        Assert.Equal("fail: start failed details (InvalidOperationException: outer second line <- IOException: inner)", line);
    }

    [Fact]
    public void SaysNothingForAnEmptyEntry() =>
        Assert.Null(OneLineLogFormat.Format(LogLevel.Information, "", exception: null));
}
