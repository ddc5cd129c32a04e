using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KestrelOneShot.ProxyProtocol;

internal enum ProxyParseStatus
{
    /// <summary>More bytes are needed to decide.</summary>
    Incomplete,

    /// <summary>A whole header was read; the bytes after it belong to the client.</summary>
    Complete,

    /// <summary>The connection starts with neither signature.</summary>
    NoHeader,

    /// <summary>It starts like a header but breaks the specification; the reason says how.</summary>
    Invalid,
}

/// <summary>
/// Reads a PROXY protocol header, version 1 (text) or 2 (binary), from the start of a connection's
/// input, however the bytes are split into segments. It never throws on input and never looks past
/// the header, so what follows stays in the pipe for the handler.
/// </summary>
internal static class ProxyHeaderParser
{
    /// <summary>The longest v1 line the specification allows, CRLF included.</summary>
    public const int MaxV1Length = 107;

    /// <summary>
    /// The most a v2 header may declare after its 16 fixed bytes, so that a whole header fits in 4 KiB;
    /// a larger length is refused as soon as the length field is read.
    /// </summary>
    public const int MaxV2AddressLength = 4096 - V2FixedLength;

    private const int V2FixedLength = 16;

    private static ReadOnlySpan<byte> V1Signature => "PROXY "u8;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static ProxyParseStatus TryParse(in ReadOnlySequence<byte> buffer, out ProxyHeader? header, out SequencePosition consumed, out string? error)
    {
        header = null;
        error = null;
        consumed = buffer.Start;

        Span<byte> start = stackalloc byte[V2FixedLength];
        var available = (int)Math.Min(buffer.Length, V2FixedLength);
        buffer.Slice(0, available).CopyTo(start);
        start = start[..available];

        if (StartsWithOrIsPrefixOf(start, V2Signature) is { } v2)
        {
            return v2 ? ParseV2(buffer, start, out header, out consumed, out error) : ProxyParseStatus.Incomplete;
        }

        if (StartsWithOrIsPrefixOf(start, V1Signature) is { } v1)
        {
            return v1 ? ParseV1(buffer, out header, out consumed, out error) : ProxyParseStatus.Incomplete;
        }

        return ProxyParseStatus.NoHeader;
    }

    /// <summary>True: starts with the signature; false: too short to tell yet; null: it does not.</summary>
    private static bool? StartsWithOrIsPrefixOf(ReadOnlySpan<byte> start, ReadOnlySpan<byte> signature)
    {
        if (start.Length >= signature.Length)
        {
            return start.StartsWith(signature) ? true : null;
        }

        return start.IsEmpty || signature.StartsWith(start) ? false : null;
    }

    private static ProxyParseStatus ParseV1(in ReadOnlySequence<byte> buffer, out ProxyHeader? header, out SequencePosition consumed, out string? error)
    {
        header = null;
        consumed = buffer.Start;
        var window = buffer.Slice(0, Math.Min(buffer.Length, MaxV1Length));
        if (window.PositionOf((byte)'\n') is not { } newline)
        {
            error = buffer.Length >= MaxV1Length ? $"v1 header has no CRLF within {MaxV1Length} bytes" : null;
            return error is null ? ProxyParseStatus.Incomplete : ProxyParseStatus.Invalid;
        }

        Span<byte> line = stackalloc byte[MaxV1Length];
        var lineBytes = window.Slice(0, newline);
        lineBytes.CopyTo(line);
        line = line[..(int)lineBytes.Length];
        consumed = buffer.GetPosition(1, newline);
        if (line.IsEmpty || line[^1] != (byte)'\r')
        {
            error = "v1 header ends with LF without CR";
            return ProxyParseStatus.Invalid;
        }

        error = ParseV1Line(Encoding.ASCII.GetString(line[..^1]), out header);
        return error is null ? ProxyParseStatus.Complete : ProxyParseStatus.Invalid;
    }

    private static string? ParseV1Line(string line, out ProxyHeader? header)
    {
        header = null;
        var fields = line.Split(' ');
        if (fields.Length >= 2 && fields[1] == "UNKNOWN")
        {
            // The proxy could not tell the client: whatever follows on the line is ignored.
            header = new ProxyHeader(1, ProxyCommand.Proxy, null, null, []);
            return null;
        }

        if (fields.Length != 6)
        {
            return $"v1 header has {fields.Length} fields, not 6";
        }

        var family = fields[1] switch
        {
            "TCP4" => AddressFamily.InterNetwork,
            "TCP6" => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unknown,
        };
        if (family == AddressFamily.Unknown)
        {
            return $"v1 header has unknown protocol '{Printable(fields[1])}'";
        }

        if (!TryAddress(fields[2], family, out var source) || !TryAddress(fields[3], family, out var destination))
        {
            return $"v1 header has an address that is not {fields[1]}";
        }

        if (!TryPort(fields[4], out var sourcePort) || !TryPort(fields[5], out var destinationPort))
        {
            return "v1 header has a port outside 0..65535";
        }

        header = new ProxyHeader(1, ProxyCommand.Proxy, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort), []);
        return null;
    }

    private static ProxyParseStatus ParseV2(in ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> start, out ProxyHeader? header, out SequencePosition consumed, out string? error)
    {
        header = null;
        consumed = buffer.Start;
        error = null;
        if (start.Length < V2FixedLength)
        {
            return ProxyParseStatus.Incomplete;
        }

        var version = start[12] >> 4;
        var command = start[12] & 0x0F;
        var family = start[13] >> 4;
        var transport = start[13] & 0x0F;
        var length = BinaryPrimitives.ReadUInt16BigEndian(start[14..]);
        error = version != 2 ? $"v2 header has unknown version {version}"
            : command > 1 ? $"v2 header has unknown command {command}"
            : family > 3 || transport > 2 ? $"v2 header has unknown address family or transport 0x{start[13]:X2}"
            : length > MaxV2AddressLength ? $"v2 header declares {length} bytes, over the {MaxV2AddressLength}-byte cap"
            : null;
        if (error is not null)
        {
            return ProxyParseStatus.Invalid;
        }

        if (buffer.Length < V2FixedLength + length)
        {
            return ProxyParseStatus.Incomplete;
        }

        var body = buffer.Slice(V2FixedLength, length).ToArray();
        consumed = buffer.GetPosition(V2FixedLength + length);
        if (command == 0)
        {
            // LOCAL: the receiver ignores the family and skips the block, as HAProxy does; a health
            // check's header is not held to the shape of a client's.
            header = new ProxyHeader(2, ProxyCommand.Local, null, null, []);
            return ProxyParseStatus.Complete;
        }

        if (family != 0 && transport == 0)
        {
            // An address family over an UNSPEC transport: the specification says to ignore the
            // address information, and where the TLVs start is then unknown, so the whole block is
            // skipped as HAProxy does; the connection's own endpoints stand.
            header = new ProxyHeader(2, ProxyCommand.Proxy, null, null, []);
            return ProxyParseStatus.Complete;
        }

        var addressLength = family switch
        {
            1 => 12,
            2 => 36,
            3 => 216,
            _ => 0,
        };
        if (body.Length < addressLength)
        {
            error = $"v2 header is {body.Length} bytes, too short for its address family ({addressLength})";
            return ProxyParseStatus.Invalid;
        }

        if (ParseTlvs(body.AsSpan(addressLength), out var tlvs) is { } tlvError)
        {
            error = tlvError;
            return ProxyParseStatus.Invalid;
        }

        if (!ChecksumMatches(start[..V2FixedLength], body, addressLength))
        {
            error = "v2 header's CRC32C does not match";
            return ProxyParseStatus.Invalid;
        }

        IPEndPoint? source = null, destination = null;
        if (family is 1 or 2)
        {
            var size = family == 1 ? 4 : 16;
            var addresses = body.AsSpan();
            source = new IPEndPoint(new IPAddress(addresses[..size]), BinaryPrimitives.ReadUInt16BigEndian(addresses[(2 * size)..]));
            destination = new IPEndPoint(new IPAddress(addresses[size..(2 * size)]), BinaryPrimitives.ReadUInt16BigEndian(addresses[((2 * size) + 2)..]));
        }

        header = new ProxyHeader(2, ProxyCommand.Proxy, source, destination, tlvs);
        return ProxyParseStatus.Complete;
    }

    private static string? ParseTlvs(ReadOnlySpan<byte> rest, out List<ProxyTlv> tlvs)
    {
        tlvs = [];
        while (!rest.IsEmpty)
        {
            if (rest.Length < 3)
            {
                return "v2 header ends inside a TLV";
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(rest[1..]);
            if (rest.Length < 3 + length)
            {
                return $"v2 header has a TLV of {length} bytes that overruns the header";
            }

            if (rest[0] == ProxyTlvTypes.Crc32C && length != 4)
            {
                // A mis-sized checksum would otherwise skip the integrity check (2.2.3: a 32-bit number).
                return $"v2 header has a CRC32C TLV of {length} bytes, not 4";
            }

            tlvs.Add(new ProxyTlv(rest[0], rest.Slice(3, length).ToArray()));
            rest = rest[(3 + length)..];
        }

        return null;
    }

    /// <summary>
    /// The specification's address forms only: IPv4 as four decimal numbers without leading zeros
    /// (a general-purpose parser reads <c>010.2.3.4</c> as octal), IPv6 without a zone identifier.
    /// </summary>
    private static bool TryAddress(string text, AddressFamily family, out IPAddress address)
    {
        address = IPAddress.None;
        var wellFormed = family == AddressFamily.InterNetwork
            ? text.Split('.') is { Length: 4 } octets && octets.All(IsOctet)
            : text.Length > 0 && text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.');
        return wellFormed && IPAddress.TryParse(text, out address!) && address.AddressFamily == family;
    }

    private static bool IsOctet(string text) =>
        text.Length is > 0 and <= 3
        && text.All(char.IsAsciiDigit)
        && (text.Length == 1 || text[0] != '0')
        && int.Parse(text, CultureInfo.InvariantCulture) <= 255;

    /// <summary>
    /// True unless a CRC32C TLV is present and differs from the CRC32C (Castagnoli) of the whole
    /// header with the checksum's own four bytes taken as zero.
    /// </summary>
    private static bool ChecksumMatches(ReadOnlySpan<byte> fixedPart, byte[] body, int tlvStart)
    {
        var at = tlvStart;
        while (at + 3 <= body.Length)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(at + 1));
            if (body[at] == ProxyTlvTypes.Crc32C)
            {
                var expected = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(at + 3));
                var copy = (byte[])body.Clone();
                copy.AsSpan(at + 3, 4).Clear();
                return Crc32C.Compute(fixedPart, copy) == expected;
            }

            at += 3 + length;
        }

        return true;
    }

    private static bool TryPort(string text, out int port)
    {
        port = 0;
        return text.Length is > 0 and <= 5
            && text.All(char.IsAsciiDigit)
            && (text.Length == 1 || text[0] != '0')
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port)
            && port <= 65535;
    }

    private static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsAsciiLetterOrDigit(c) ? c.ToString() : $"\\x{(int)c:X2}"));
}
