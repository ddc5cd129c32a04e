using System.Buffers;
using System.Text;

using FsCheck;
using FsCheck.Fluent;

using KestrelOneShot.Diagnosis;

namespace KestrelOneShot.Tests.Diagnosis;

public sealed class FirstBytesClassifierTests
{
    [Fact]
    public async Task ARealClientHelloIsNamedWithItsSniAlpnAndVersions()
    {
        var hello = await ClientHellos.CaptureAsync("route.test", ["h2", "http/1.1"]);

        var named = Classify(hello);

        Assert.Equal(FirstBytesKind.TlsClientHello, named.Kind);
        Assert.Equal("route.test", named.Sni);
        Assert.Equal(["h2", "http/1.1"], named.Alpn);
        Assert.Contains("TLSv1.3", named.TlsVersions);
        Assert.Contains("TLSv1.2", named.TlsVersions);
        Assert.Equal("a TLS ClientHello (SNI route.test, ALPN h2,http/1.1)", named.Describe());
        Assert.Equal(Convert.ToHexStringLower(hello.AsSpan(0, 16)), named.Hex);
    }

    [Fact]
    public async Task AClientHelloCutShortIsStillTls()
    {
        var hello = await ClientHellos.CaptureAsync("route.test", []);

        Assert.Equal("a TLS ClientHello (no SNI)", Classify(hello[..40]).Describe());
    }

    [Theory]
    [InlineData("GET /health HTTP/1.1\r\nhost: route.test\r\nAccept: */*\r\n\r\n", "an HTTP/1.1 request (GET /health, Host route.test)")]
    [InlineData("HEAD / HTTP/1.0\r\n\r\n", "an HTTP/1.0 request (HEAD /)")]
    [InlineData("OPTIONS * HTTP/1.1\r\nUser-Agent: x\r\nHost: a:80\r\n", "an HTTP/1.1 request (OPTIONS *, Host a:80)")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "an HTTP/2 connection preface")]
    [InlineData("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", "an SSH banner (SSH-2.0-OpenSSH_9.2p1 Debian-2)")]
    [InlineData("PROXY TCP4 203.0.113.7 127.0.0.1 51000 9999\r\nhello", "a PROXY v1 header")]
    [InlineData("hello\n", "bytes that name no protocol (\"hello\", hex 68656c6c6f0a)")]
    [InlineData("a\u001b[31mb", "bytes that name no protocol (\"a\\x1B[31mb\", hex 611b5b33316d62)")]
    public void TextProtocolsAreNamedByTheirFirstLine(string sent, string described) =>
        Assert.Equal(described, Classify(Encoding.UTF8.GetBytes(sent)).Describe());

    [Fact]
    public void ALongTargetIsCappedSoTheWarningLineStaysShort()
    {
        var named = Classify(Encoding.ASCII.GetBytes($"GET /{new string('a', 10_000)} HTTP/1.1\r\n\r\n"));

        Assert.Equal(129, named.Target!.Length);
        Assert.EndsWith("…", named.Target, StringComparison.Ordinal);
    }

    [Fact]
    public void AProxyV2HeaderIsNamedWithItsCommandAndFamily()
    {
        byte[] header = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x21, 0x00, 0x24];

        Assert.Equal("a PROXY v2 header (PROXY, IPv6)", Classify(header).Describe());
    }

    [Fact]
    public void NothingIsNothing() => Assert.Equal(FirstBytesKind.Nothing, Classify([]).Kind);

    [Fact]
    public void ArbitraryBytesNeverThrowAndAlwaysHaveAKind()
    {
        var starts = Gen.OneOf(
            ArbMap.Default.GeneratorFor<byte[]>(),
            ArbMap.Default.GeneratorFor<byte[]>().Select(b => (byte[])[0x16, 0x03, 0x01, .. b]),
            ArbMap.Default.GeneratorFor<byte[]>().Select(b => (byte[])[0x16, 0x03, 0x03, 0x00, 0x40, 0x01, .. b]),
            ArbMap.Default.GeneratorFor<byte[]>().Select(b => (byte[])[.. "GET / HTTP/1.1\r\n"u8, .. b]),
            ArbMap.Default.GeneratorFor<byte[]>().Select(b => (byte[])[0x0D, 0x0A, 0x0D, 0x0A, .. b]));
        var property = Prop.ForAll(starts.ToArbitrary(), bytes =>
        {
            var named = Classify(bytes);
            return Enum.IsDefined(named.Kind) && named.Describe().Length > 0 && named.Hex.Length <= 32;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), property);
    }

    [Fact]
    public async Task EveryCutOfARealClientHelloIsTlsAndNeverThrows()
    {
        var hello = await ClientHellos.CaptureAsync("route.test", ["h2"]);

        for (var length = 3; length <= hello.Length; length++)
        {
            Assert.Equal(FirstBytesKind.TlsClientHello, Classify(hello[..length]).Kind);
        }
    }

    private static FirstBytes Classify(byte[] bytes) => FirstBytesClassifier.Classify(new ReadOnlySequence<byte>(bytes));
}
