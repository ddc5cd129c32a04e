using KestrelOneShot.Connections;

namespace KestrelOneShot.Tests.Connections;

public sealed class DurationTests
{
    [Theory]
    [InlineData("00:00:30", 30_000)]
    [InlineData("30s", 30_000)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData(" 10s ", 10_000)]
    [InlineData("0", 0)]
    [InlineData("0s", 0)]
    public void ReadsTheDocumentedForms(string text, int milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("s")]
    [InlineData("3x")]
    [InlineData("-5s")]
    [InlineData("-00:00:01")]
    [InlineData("1.s")]
    [InlineData("10 s")]
    [InlineData("99999999999999999h")]
    public void RejectsAnythingElse(string text) => Assert.False(Duration.TryParse(text, out _));
}
