using System.Text;

using FsCheck;
using FsCheck.Fluent;

using KestrelOneShot.ProxyProtocol;

namespace KestrelOneShot.Tests.ProxyProtocol;

public sealed class ProxyTlvValuesTests
{
    [Fact]
    public void DecodesTheTextTlvsAndTheSslTlvWithItsSubTlvs()
    {
        byte[] ssl =
        [
            0x07, 0, 0, 0, 0,
            .. Tlv(ProxyTlvTypes.SslVersion, "TLSv1.3"),
            .. Tlv(ProxyTlvTypes.SslCommonName, "client.test"),
            .. Tlv(ProxyTlvTypes.SslCipher, "TLS_AES_256_GCM_SHA384"),
            .. Tlv(ProxyTlvTypes.SslSignatureAlgorithm, "ECDSA-SHA256"),
            .. Tlv(ProxyTlvTypes.SslKeyAlgorithm, "EC256"),
        ];
        ProxyTlv[] tlvs =
        [
            new(ProxyTlvTypes.Alpn, "h2"u8.ToArray()),
            new(ProxyTlvTypes.Authority, "oneshot.test"u8.ToArray()),
            new(ProxyTlvTypes.UniqueId, [1, 2, 3]),
            new(ProxyTlvTypes.Netns, "blue"u8.ToArray()),
            new(ProxyTlvTypes.Ssl, ssl),
        ];

        var values = ProxyTlvValues.Decode(tlvs);

        Assert.Equal("h2", values.Alpn);
        Assert.Equal("oneshot.test", values.Authority);
        Assert.Equal([1, 2, 3], values.UniqueId);
        Assert.Equal("blue", values.Netns);
        Assert.Equal(new ProxySslValues(true, true, true, true, "TLSv1.3", "client.test", "TLS_AES_256_GCM_SHA384", "ECDSA-SHA256", "EC256"), values.Ssl);
    }

    [Fact]
    public void AnUnverifiedClientAndMissingSubTlvsAreSaidAsSuch()
    {
        var ssl = ProxySslValues.Decode([0x01, 0, 0, 0, 1]);

        Assert.Equal(new ProxySslValues(true, false, false, false, null, null, null, null, null), ssl);
    }

    [Fact]
    public void ArbitraryTlvValuesNeverThrow()
    {
        var tlv = Gen.Elements<byte>(ProxyTlvTypes.Alpn, ProxyTlvTypes.Authority, ProxyTlvTypes.UniqueId, ProxyTlvTypes.Netns, ProxyTlvTypes.Ssl, 0x04, 0xEE)
            .SelectMany(type => ArbMap.Default.GeneratorFor<byte[]>().Select(value => new ProxyTlv(type, value)));
        var property = Prop.ForAll(Gen.ListOf(tlv).ToArbitrary(), tlvs => ProxyTlvValues.Decode([.. tlvs]) is not null);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), property);
    }

    [Fact]
    public void AnSslValueSplitAnywhereDecodesEitherWhollyOrUpToTheCut()
    {
        byte[] ssl = [0x01, 0, 0, 0, 0, .. Tlv(ProxyTlvTypes.SslVersion, "TLSv1.2"), .. Tlv(ProxyTlvTypes.SslCommonName, "cn")];
        for (var length = 0; length <= ssl.Length; length++)
        {
            var decoded = ProxySslValues.Decode(ssl.AsSpan(0, length));
            Assert.Equal(length >= 5, decoded is not null);
            Assert.Equal(length >= 5 + 3 + 7 ? "TLSv1.2" : null, decoded?.Version);
            Assert.Equal(length == ssl.Length ? "cn" : null, decoded?.Cn);
        }
    }

    private static byte[] Tlv(byte type, string text)
    {
        var value = Encoding.UTF8.GetBytes(text);
        return [type, (byte)(value.Length >> 8), (byte)value.Length, .. value];
    }
}
