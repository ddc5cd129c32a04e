using System.Buffers.Binary;
using System.Text;

namespace KestrelOneShot.ProxyProtocol;

/// <summary>
/// What a v2 header's TLVs say, decoded; each member is null when its TLV is absent (or too short to
/// read). Decoding never throws: a TLV is whatever bytes a proxy sent.
/// </summary>
internal sealed record ProxyTlvValues(string? Alpn, string? Authority, byte[]? UniqueId, string? Netns, ProxySslValues? Ssl)
{
    public static ProxyTlvValues Decode(IReadOnlyList<ProxyTlv> tlvs)
    {
        string? alpn = null, authority = null, netns = null;
        byte[]? uniqueId = null;
        ProxySslValues? ssl = null;
        foreach (var tlv in tlvs)
        {
            switch (tlv.Type)
            {
                case ProxyTlvTypes.Alpn:
                    alpn = Text(tlv.Value);
                    break;
                case ProxyTlvTypes.Authority:
                    authority = Text(tlv.Value);
                    break;
                case ProxyTlvTypes.UniqueId:
                    uniqueId = tlv.Value;
                    break;
                case ProxyTlvTypes.Netns:
                    netns = Text(tlv.Value);
                    break;
                case ProxyTlvTypes.Ssl:
                    ssl = ProxySslValues.Decode(tlv.Value);
                    break;
            }
        }

        return new ProxyTlvValues(alpn, authority, uniqueId, netns, ssl);
    }

    internal static string Text(ReadOnlySpan<byte> value) => Encoding.UTF8.GetString(value);
}

/// <summary>The SSL TLV: how the client reached the proxy (<c>send-proxy-v2-ssl</c>, <c>-ssl-cn</c>).</summary>
internal sealed record ProxySslValues(
    bool ClientConnectedWithSsl,
    bool ClientCertInConnection,
    bool ClientCertInSession,
    bool Verified,
    string? Version,
    string? Cn,
    string? Cipher,
    string? SigAlg,
    string? KeyAlg)
{
    private const byte ClientSsl = 0x01;
    private const byte ClientCertConnection = 0x02;
    private const byte ClientCertSession = 0x04;

    /// <summary>Null when the value is shorter than its fixed part (client byte and verify word).</summary>
    public static ProxySslValues? Decode(ReadOnlySpan<byte> value)
    {
        if (value.Length < 5)
        {
            return null;
        }

        var client = value[0];
        var verified = BinaryPrimitives.ReadUInt32BigEndian(value[1..]) == 0;
        string? version = null, cn = null, cipher = null, sigAlg = null, keyAlg = null;
        var rest = value[5..];
        while (rest.Length >= 3)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(rest[1..]);
            if (rest.Length < 3 + length)
            {
                break;
            }

            var text = ProxyTlvValues.Text(rest.Slice(3, length));
            switch (rest[0])
            {
                case ProxyTlvTypes.SslVersion:
                    version = text;
                    break;
                case ProxyTlvTypes.SslCommonName:
                    cn = text;
                    break;
                case ProxyTlvTypes.SslCipher:
                    cipher = text;
                    break;
                case ProxyTlvTypes.SslSignatureAlgorithm:
                    sigAlg = text;
                    break;
                case ProxyTlvTypes.SslKeyAlgorithm:
                    keyAlg = text;
                    break;
            }

            rest = rest[(3 + length)..];
        }

        return new ProxySslValues(
            (client & ClientSsl) != 0,
            (client & ClientCertConnection) != 0,
            (client & ClientCertSession) != 0,
            verified,
            version,
            cn,
            cipher,
            sigAlg,
            keyAlg);
    }
}
