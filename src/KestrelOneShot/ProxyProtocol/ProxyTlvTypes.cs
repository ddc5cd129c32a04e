namespace KestrelOneShot.ProxyProtocol;

/// <summary>The PROXY protocol v2 TLV types this server reads (the specification, section 2.2).</summary>
internal static class ProxyTlvTypes
{
    public const byte Alpn = 0x01;
    public const byte Authority = 0x02;
    public const byte Crc32C = 0x03;
    public const byte UniqueId = 0x05;
    public const byte Ssl = 0x20;
    public const byte SslVersion = 0x21;
    public const byte SslCommonName = 0x22;
    public const byte SslCipher = 0x23;
    public const byte SslSignatureAlgorithm = 0x24;
    public const byte SslKeyAlgorithm = 0x25;
    public const byte Netns = 0x30;
}
