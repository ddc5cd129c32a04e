using System.Buffers;
using System.Text;

using KestrelOneShot.Connections;

namespace KestrelOneShot.Tests.Connections;

public sealed class MessageLineTests
{
    [Theory]
    [InlineData("Who is there?\r\n", "Who is there?")]
    [InlineData("Who is there?\n", "Who is there?")]
    [InlineData("two\n\n", "two\\n")]
    [InlineData("two\r\n\r\n", "two\\r\\n")]
    [InlineData("no newline", "no newline")]
    [InlineData("\r\n", "")]
    [InlineData("lone cr\r", "lone cr\\r")]
    [InlineData("tab\tstays", "tab\tstays")]
    [InlineData("héllo ✓", "héllo ✓")]
    [InlineData("telnet\r\0", "telnet\\r\\0")]
    [InlineData("\u001b[31mred\u001b[0m", "\\x1B[31mred\\x1B[0m")]
    [InlineData("bell\u0007del\u007f", "bell\\x07del\\x7F")]
    [InlineData("c1\u009b2J", "c1\\x9B2J")]
    public void FormatsTheMessageAsTheOperatorSeesIt(string sent, string printed) =>
        Assert.Equal(printed, MessageLine.Format(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(sent))));

    [Fact]
    public void InvalidUtf8BecomesReplacementCharacters() =>
        Assert.Equal("a\uFFFDb\uFFFD", MessageLine.Format(new ReadOnlySequence<byte>([(byte)'a', 0xFF, (byte)'b', 0xE2, 0x82])));

    [Fact]
    public void DecodesCharactersSplitAcrossSegments()
    {
        // "✓\r\n" with the three bytes of ✓ and the line end spread over four segments.
        var sequence = Sequences.Of([0xE2], [0x9C, 0x93, (byte)'\r'], [(byte)'\n']);

        Assert.Equal("✓", MessageLine.Format(sequence));
    }

    [Fact]
    public void EmptyMessageIsEmptyText() =>
        Assert.Equal("", MessageLine.Format(ReadOnlySequence<byte>.Empty));
}
