using System.Buffers;
using System.Text;

namespace KestrelOneShot.Connections;

/// <summary>
/// Turns the captured bytes into the message as printed on stdout and in the report:
/// UTF-8 with U+FFFD for invalid sequences, one trailing <c>\r\n</c> or <c>\n</c> dropped, and every
/// other control character escaped so nothing from the network drives the operator's terminal.
/// </summary>
internal static class MessageLine
{
    /// <summary>Allocates the returned string and nothing else (the decode buffer is pooled).</summary>
    public static string Format(ReadOnlySequence<byte> message)
    {
        message = WithoutTrailingNewline(message);
        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(checked((int)message.Length)));
        try
        {
            var decoded = Encoding.UTF8.GetChars(message, chars);
            var length = 0;
            foreach (var c in chars.AsSpan(0, decoded))
            {
                length += EscapedLength(c);
            }

            return string.Create(length, (chars, decoded), static (line, state) =>
            {
                var at = 0;
                foreach (var c in state.chars.AsSpan(0, state.decoded))
                {
                    at += WriteEscaped(c, line[at..]);
                }
            });
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static ReadOnlySequence<byte> WithoutTrailingNewline(ReadOnlySequence<byte> message)
    {
        if (message.IsEmpty)
        {
            return message;
        }

        Span<byte> tail = stackalloc byte[2];
        var tailLength = (int)Math.Min(2, message.Length);
        message.Slice(message.Length - tailLength).CopyTo(tail);
        tail = tail[..tailLength];
        if (tail[^1] != (byte)'\n')
        {
            return message;
        }

        var cut = tailLength == 2 && tail[0] == (byte)'\r' ? 2 : 1;
        return message.Slice(0, message.Length - cut);
    }

    // C0 controls but tab, DEL, and the C1 controls (U+0080..U+009F: some terminals act on U+009B CSI).
    private static bool NeedsEscape(char c) => (c < ' ' && c != '\t') || c is >= '\u007F' and <= '\u009F';

    private static int EscapedLength(char c) => !NeedsEscape(c) ? 1 : c is '\r' or '\n' or '\0' ? 2 : 4;

    private static int WriteEscaped(char c, Span<char> destination)
    {
        if (!NeedsEscape(c))
        {
            destination[0] = c;
            return 1;
        }

        destination[0] = '\\';
        switch (c)
        {
            case '\r':
                destination[1] = 'r';
                return 2;
            case '\n':
                destination[1] = 'n';
                return 2;
            case '\0':
                destination[1] = '0';
                return 2;
            default:
                destination[1] = 'x';
                ((int)c).TryFormat(destination[2..], out _, "X2", System.Globalization.CultureInfo.InvariantCulture);
                return 4;
        }
    }
}
