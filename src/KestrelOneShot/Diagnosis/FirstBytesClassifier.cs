using System.Buffers;
using System.Buffers.Binary;
using System.Text;

using KestrelOneShot.Connections;

namespace KestrelOneShot.Diagnosis;

/// <summary>
/// Names what a connection began with, from the bytes it sent first. Never throws: whatever the
/// bytes, the answer is a kind (at worst <see cref="FirstBytesKind.Other"/>), and a prefix too short
/// to be sure of is named by what it begins as (a ClientHello cut short still says TLS).
/// </summary>
internal static class FirstBytesClassifier
{
    /// <summary>Enough for any ClientHello a browser or proxy sends, and a request line with its headers.</summary>
    public const int MaxExamined = 16 * 1024;

    private const int HexBytes = 16;

    private const int MaxPrintable = 128;

    private static ReadOnlySpan<byte> ProxyV2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ReadOnlySpan<byte> Http2Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public static FirstBytes Classify(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return FirstBytes.Nothing;
        }

        var bytes = buffer.Slice(0, Math.Min(buffer.Length, MaxExamined)).ToArray();
        var hex = Convert.ToHexStringLower(bytes.AsSpan(0, Math.Min(bytes.Length, HexBytes)));
        if (StartsWith(bytes, ProxyV2Signature))
        {
            return new FirstBytes(FirstBytesKind.ProxyV2, hex) { Detail = ProxyV2Detail(bytes) };
        }

        if (StartsWith(bytes, "PROXY "u8))
        {
            return new FirstBytes(FirstBytesKind.ProxyV1, hex);
        }

        if (StartsWith(bytes, Http2Preface))
        {
            return new FirstBytes(FirstBytesKind.Http2Preface, hex);
        }

        if (bytes.Length >= 3 && bytes[0] == 0x16 && bytes[1] == 0x03 && bytes[2] <= 0x04)
        {
            return ClientHello(bytes, hex);
        }

        if (StartsWith(bytes, "SSH-"u8))
        {
            return new FirstBytes(FirstBytesKind.SshBanner, hex) { Detail = Printable(FirstLine(bytes, 64)) };
        }

        return RequestLine(bytes, hex) ?? new FirstBytes(FirstBytesKind.Other, hex) { Detail = Printable(bytes.AsSpan(0, Math.Min(bytes.Length, HexBytes))) };
    }

    private static string ProxyV2Detail(byte[] bytes)
    {
        if (bytes.Length < 14)
        {
            return "cut short";
        }

        var command = (bytes[12] & 0x0F) switch { 0 => "LOCAL", 1 => "PROXY", var other => $"command {other}" };
        var family = (bytes[13] >> 4) switch { 0 => "UNSPEC", 1 => "IPv4", 2 => "IPv6", 3 => "UNIX", var other => $"family {other}" };
        return $"{command}, {family}";
    }

    /// <summary>A TLS record carrying a ClientHello: its SNI, ALPN offer and offered versions, as far as they arrived.</summary>
    private static FirstBytes ClientHello(byte[] bytes, string hex)
    {
        var hello = new FirstBytes(FirstBytesKind.TlsClientHello, hex);
        var reader = new Reader(bytes.AsSpan(Math.Min(5, bytes.Length)));
        if (!reader.TryByte(out var type) || type != 1 || !reader.TrySkip(3) || !reader.TryUInt16(out var legacyVersion)
            || !reader.TrySkip(32) || !reader.TryByte(out var sessionLength) || !reader.TrySkip(sessionLength)
            || !reader.TryUInt16(out var suitesLength) || !reader.TrySkip(suitesLength)
            || !reader.TryByte(out var compressionLength) || !reader.TrySkip(compressionLength))
        {
            return hello;
        }

        string? sni = null;
        List<string> alpn = [];
        List<string> versions = [];
        if (reader.TryUInt16(out var extensionsLength) && reader.TrySlice(Math.Min(extensionsLength, reader.Remaining), out var extensions))
        {
            while (extensions.TryUInt16(out var extensionType) && extensions.TryUInt16(out var length) && extensions.TrySlice(length, out var body))
            {
                switch (extensionType)
                {
                    case 0: // server_name: a list of (type, name); host_name is type 0
                        if (body.TrySkip(2) && body.TryByte(out var nameType) && nameType == 0 && body.TryUInt16(out var nameLength) && body.TryBytes(nameLength, out var name))
                        {
                            sni = Printable(name);
                        }

                        break;
                    case 16: // application_layer_protocol_negotiation
                        if (body.TrySkip(2))
                        {
                            while (body.TryByte(out var protocolLength) && body.TryBytes(protocolLength, out var protocol))
                            {
                                alpn.Add(Printable(protocol));
                            }
                        }

                        break;
                    case 43: // supported_versions
                        if (body.TrySkip(1))
                        {
                            while (body.TryUInt16(out var version))
                            {
                                if (VersionName(version) is { } named)
                                {
                                    versions.Add(named);
                                }
                            }
                        }

                        break;
                }
            }
        }

        if (versions.Count == 0 && VersionName(legacyVersion) is { } legacy)
        {
            versions.Add(legacy);
        }

        return hello with { Sni = sni, Alpn = alpn, TlsVersions = versions };
    }

    // GREASE values (RFC 8701) and unknown numbers name no version.
    private static string? VersionName(int version) => version switch
    {
        0x0304 => "TLSv1.3",
        0x0303 => "TLSv1.2",
        0x0302 => "TLSv1.1",
        0x0301 => "TLSv1",
        0x0300 => "SSLv3",
        _ => null,
    };

    /// <summary><c>METHOD SP target SP HTTP/1.x</c>, and the Host header if it arrived.</summary>
    private static FirstBytes? RequestLine(byte[] bytes, string hex)
    {
        var line = FirstLine(bytes, MaxExamined);
        var firstSpace = line.IndexOf((byte)' ');
        var lastSpace = line.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace <= firstSpace || firstSpace > 16)
        {
            return null;
        }

        var method = line[..firstSpace];
        var protocol = line[(lastSpace + 1)..];
        foreach (var c in method)
        {
            if (c is < (byte)'A' or > (byte)'Z')
            {
                return null;
            }
        }

        if (!StartsWith(protocol, "HTTP/1."u8) || protocol.Length != 8)
        {
            return null;
        }

        var newline = bytes.AsSpan().IndexOf((byte)'\n');
        return new FirstBytes(FirstBytesKind.Http1Request, hex)
        {
            Method = Printable(method),
            Target = Printable(line[(firstSpace + 1)..lastSpace]),
            Detail = Printable(protocol),
            Host = newline < 0 ? null : HostHeader(bytes.AsSpan(newline + 1)),
        };
    }

    private static string? HostHeader(ReadOnlySpan<byte> rest)
    {
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var header = end < 0 ? rest : rest[..end];
            header = header.TrimEnd((byte)'\r');
            if (header.IsEmpty && end >= 0)
            {
                return null; // the end of the headers
            }

            if (header.Length > 5 && Ascii.EqualsIgnoreCase(header[..5], "host:"u8))
            {
                return Printable(header[5..].Trim((byte)' '));
            }

            if (end < 0)
            {
                return null;
            }

            rest = rest[(end + 1)..];
        }

        return null;
    }

    private static ReadOnlySpan<byte> FirstLine(ReadOnlySpan<byte> bytes, int max)
    {
        bytes = bytes[..Math.Min(bytes.Length, max)];
        var end = bytes.IndexOf((byte)'\n');
        return (end < 0 ? bytes : bytes[..end]).TrimEnd((byte)'\r');
    }

    /// <summary>As the message line prints bytes: UTF-8, control characters escaped.</summary>
    // Capped, so that a request target of kilobytes cannot make a warning line of kilobytes.
    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = MessageLine.Format(new ReadOnlySequence<byte>(bytes[..Math.Min(bytes.Length, MaxPrintable)].ToArray()));
        return bytes.Length > MaxPrintable ? text + "…" : text;
    }

    // A prefix cut short still counts once it is long enough to be told from other protocols.
    private static bool StartsWith(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> prefix) =>
        bytes.Length >= prefix.Length ? bytes.StartsWith(prefix) : prefix.StartsWith(bytes) && bytes.Length >= Math.Min(prefix.Length, 4);

    /// <summary>Reads big-endian fields and length-prefixed parts, failing (never throwing) when the bytes run out.</summary>
    private ref struct Reader(ReadOnlySpan<byte> span)
    {
        private ReadOnlySpan<byte> _span = span;

        public readonly int Remaining => _span.Length;

        public bool TryByte(out byte value)
        {
            value = 0;
            if (_span.IsEmpty)
            {
                return false;
            }

            value = _span[0];
            _span = _span[1..];
            return true;
        }

        public bool TryUInt16(out int value)
        {
            value = 0;
            if (_span.Length < 2)
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt16BigEndian(_span);
            _span = _span[2..];
            return true;
        }

        public bool TrySkip(int count) => TryBytes(count, out _);

        public bool TryBytes(int count, out ReadOnlySpan<byte> bytes)
        {
            bytes = default;
            if (count < 0 || count > _span.Length)
            {
                return false;
            }

            bytes = _span[..count];
            _span = _span[count..];
            return true;
        }

        public bool TrySlice(int count, out Reader slice)
        {
            slice = default;
            if (!TryBytes(count, out var bytes))
            {
                return false;
            }

            slice = new Reader(bytes);
            return true;
        }
    }
}
