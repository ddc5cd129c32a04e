using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KestrelOneShot.InMemory;

/// <summary>
/// PROXY protocol headers as a proxy sends them (HAProxy's specification), to write as the first
/// bytes of a connection to a proxy-aware endpoint.
/// </summary>
public static class ProxyHeaders
{
    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>Version 1: <c>PROXY TCP4 203.0.113.7 127.0.0.1 51000 9999\r\n</c>.</summary>
    public static byte[] V1(IPEndPoint source, IPEndPoint destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        if (source.AddressFamily != destination.AddressFamily)
        {
            throw new ArgumentException("Both endpoints must be of one address family.", nameof(destination));
        }

        var protocol = source.AddressFamily == AddressFamily.InterNetwork ? "TCP4" : "TCP6";
        return Encoding.ASCII.GetBytes($"PROXY {protocol} {source.Address} {destination.Address} {source.Port} {destination.Port}\r\n");
    }

    /// <summary>Version 2, command PROXY over TCP, with any TLVs after the addresses.</summary>
    public static byte[] V2(IPEndPoint source, IPEndPoint destination, params IEnumerable<ProxyHeaderTlv> tlvs)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(tlvs);
        if (source.AddressFamily != destination.AddressFamily)
        {
            throw new ArgumentException("Both endpoints must be of one address family.", nameof(destination));
        }

        var ipv4 = source.AddressFamily == AddressFamily.InterNetwork;
        var addresses = new byte[ipv4 ? 12 : 36];
        var size = ipv4 ? 4 : 16;
        source.Address.GetAddressBytes().CopyTo(addresses, 0);
        destination.Address.GetAddressBytes().CopyTo(addresses, size);
        BinaryPrimitives.WriteUInt16BigEndian(addresses.AsSpan(2 * size), (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(addresses.AsSpan((2 * size) + 2), (ushort)destination.Port);
        return V2Header(0x21, ipv4 ? (byte)0x11 : (byte)0x21, [.. addresses, .. tlvs.SelectMany(Tlv)]);
    }

    /// <summary>Version 2, command LOCAL: a proxy's own health check, carrying no client.</summary>
    public static byte[] V2Local() => V2Header(0x20, 0x00, []);

    private static byte[] V2Header(byte versionAndCommand, byte familyAndTransport, byte[] body)
    {
        var header = new byte[16 + body.Length];
        V2Signature.CopyTo(header);
        header[12] = versionAndCommand;
        header[13] = familyAndTransport;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)body.Length);
        body.CopyTo(header, 16);
        return header;
    }

    private static byte[] Tlv(ProxyHeaderTlv tlv)
    {
        var bytes = new byte[3 + tlv.Value.Length];
        bytes[0] = tlv.Type;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(1), (ushort)tlv.Value.Length);
        tlv.Value.CopyTo(bytes, 3);
        return bytes;
    }
}

/// <summary>
/// A PROXY protocol v2 TLV (type, length, value) to send after the addresses: for example type 0x02,
/// the authority (the TLS SNI the proxy saw), or 0x01, the ALPN it negotiated.
/// </summary>
/// <param name="Type">The TLV's type byte (the specification's PP2_TYPE_* values).</param>
/// <param name="Value">The TLV's value; its length is written before it.</param>
public sealed record ProxyHeaderTlv(byte Type, byte[] Value);
