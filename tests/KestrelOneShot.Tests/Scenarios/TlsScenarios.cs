using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace KestrelOneShot.Tests.Scenarios;

/// <summary>TLS on the one-shot endpoint, written once and run against the process and in memory.</summary>
public abstract class TlsScenarios(IOneShotWorld world) : IDisposable
{
    private static readonly byte[] V1Header = "PROXY TCP4 203.0.113.7 127.0.0.1 51000 9999\r\n"u8.ToArray();
    private readonly string _folder = Directory.CreateTempSubdirectory("oneshot-tls-").FullName;

    private string Report => Path.Combine(_folder, "run.json");

    private string GeneratedPem => Path.Combine(_folder, "generated.pem");

    private static TestCertificates Certificates => TestCertificates.Shared;

    [Fact]
    public async Task AGeneratedCertificateServesTheExchangeAndTheReportSaysWhatTheHandshakeSettled()
    {
        var (server, generated) = await StartWithGeneratedCertificateAsync("--report", Report);
        await using var running = server;
        await using var client = await server.ConnectAsync(server.EndPoints[0]);

        await using var tls = await TlsClient.ConnectAsync(client.AsStream(), generated, serverName: "oneshot.test");
        var answer = await TlsClient.ExchangeAsync(tls, "Who is there?\n");
        var run = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer);
        Assert.Equal("The message was: Who is there?\n", run.Stdout);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains(run.Stderr, l => l.StartsWith("info: Served connection ", StringComparison.Ordinal) && l.Contains($" over {Name(tls.SslProtocol)} (SNI oneshot.test): 14 bytes", StringComparison.Ordinal));
        var fingerprint = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(generated.RawData));
        Assert.Contains(run.Stderr, l => l == $"info: TLS certificate CN=localhost, SHA-256 {fingerprint} (generated, valid until {generated.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ssZ})");
        Assert.True(run.Stderr.ToList().FindIndex(l => l.StartsWith("info: TLS certificate", StringComparison.Ordinal)) < run.Stderr.ToList().FindIndex(l => l.StartsWith(ReadyLine.Prefix, StringComparison.Ordinal)));

        using var json = await ReadReportAsync();
        var top = json.RootElement.GetProperty("tls");
        Assert.Equal(fingerprint, top.GetProperty("certificateSha256").GetString());
        Assert.Equal("CN=localhost", top.GetProperty("certificateSubject").GetString());
        Assert.True(top.GetProperty("generated").GetBoolean());
        var served = json.RootElement.GetProperty("served")[0].GetProperty("tls");
        Assert.Equal(Name(tls.SslProtocol), served.GetProperty("protocol").GetString());
        Assert.Equal(tls.NegotiatedCipherSuite.ToString(), served.GetProperty("cipherSuite").GetString());
        Assert.Equal("oneshot.test", served.GetProperty("sni").GetString());
        Assert.Equal(JsonValueKind.Null, served.GetProperty("alpn").ValueKind);
        Assert.Equal(JsonValueKind.Null, served.GetProperty("clientCertificate").ValueKind);
    }

    [Fact]
    public async Task TheGeneratedCertificateIsAnEcdsaP256ServerCertificateForLocalhostTheLoopbacksAndTheAddress()
    {
        // 127.0.0.2 is loopback on Linux, so the process world can listen there too.
        var (server, generated) = await StartWithGeneratedCertificateAsync("--address", "127.0.0.2", "--wait-timeout", "50ms");
        await using var running = server;
        await server.ExitAsync();

        Assert.Equal("CN=localhost", generated.Subject);
        using var key = generated.GetECDsaPublicKey();
        Assert.Equal(256, key?.KeySize);
        Assert.Contains(generated.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(), oid => oid.Value == "1.3.6.1.5.5.7.3.1");
        Assert.All(["localhost", "127.0.0.1", "::1", "127.0.0.2"], name => Assert.True(generated.MatchesHostname(name), name));
        Assert.False(generated.MatchesHostname("127.0.0.3"));
        Assert.InRange(generated.NotAfter - generated.NotBefore, TimeSpan.FromHours(24), TimeSpan.FromHours(24.2));
    }

    [Fact]
    public async Task PlainBytesOnATlsPortAreNamedAndHandshakesThatFailAndHealthChecksAreProbes()
    {
        var (server, generated) = await StartWithGeneratedCertificateAsync("--report", Report);
        await using var running = server;

        // A proxy that does not re-encrypt: plain HTTP on a TLS port.
        await using (var plain = await server.ConnectAsync(server.EndPoints[0]))
        {
            await plain.SendAsync("GET /health HTTP/1.1\r\nHost: route.test\r\n\r\n"u8.ToArray());
            Assert.Empty((await plain.ReadToEndAsync()).Bytes);
        }

        // A client that rejects the certificate (it trusts another root) and aborts the handshake.
        await using (var suspicious = await server.ConnectAsync(server.EndPoints[0]))
        {
            await Assert.ThrowsAsync<AuthenticationException>(() => TlsClient.ConnectAsync(suspicious.AsStream(), Certificates.Ca));
        }

        // A TLS health check: a handshake, then close (HAProxy's check-ssl).
        await using (var check = await server.ConnectAsync(server.EndPoints[0]))
        {
            await using var tls = await TlsClient.ConnectAsync(check.AsStream(), generated);
            await tls.ShutdownAsync();
        }

        await using var client = await server.ConnectAsync(server.EndPoints[0]);
        await using var real = await TlsClient.ConnectAsync(client.AsStream(), generated);
        var answer = await TlsClient.ExchangeAsync(real, "real\n");
        var run = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer);
        Assert.Equal("The message was: real\n", run.Stdout);
        Assert.Contains(run.Stderr, line => line.StartsWith("warn: Connection ", StringComparison.Ordinal) && line.EndsWith(
            " closed: expected a TLS ClientHello, got an HTTP/1.1 request (GET /health, Host route.test): the proxy or client speaks plain HTTP to a TLS port (HAProxy: ssl on the server line; nginx: proxy_ssl on)",
            StringComparison.Ordinal));
        using var json = await ReadReportAsync();
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("probes").GetInt32());
        Assert.Equal(3, root.GetProperty("rejectedCount").GetInt32());
        var rejected = root.GetProperty("rejected").EnumerateArray().ToArray();
        Assert.Equal(["rejected", "health-check", "health-check"], rejected.Select(r => r.GetProperty("kind").GetString()));
        // Where the one the client gave up on ends depends on how far its TLS version's handshake got
        // on the server's side; the health check's handshake completed, and it ended before a message.
        Assert.Equal(("tls", "read"), (rejected[0].GetProperty("stage").GetString(), rejected[2].GetProperty("stage").GetString()));
        var http = rejected[0].GetProperty("firstBytes");
        Assert.Equal(("http1-request", "GET", "/health", "route.test"), (http.GetProperty("kind").GetString(), http.GetProperty("method").GetString(), http.GetProperty("target").GetString(), http.GetProperty("host").GetString()));
        Assert.Equal(Convert.ToHexStringLower("GET /health HTTP/"u8[..16]), http.GetProperty("hex").GetString());
        // The handshake the client gave up on began as a ClientHello, and the report says so.
        Assert.Equal("tls-client-hello", rejected[1].GetProperty("firstBytes").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task AHandshakeNotDoneWithinReadTimeoutIsAProbe()
    {
        var (server, generated) = await StartWithGeneratedCertificateAsync("--read-timeout", "200ms", "--report", Report);
        await using var running = server;

        // A client that opens a handshake (the first bytes of a ClientHello) and stalls.
        await using (var stalled = await server.ConnectAsync(server.EndPoints[0]))
        {
            await stalled.SendAsync(new byte[] { 0x16, 0x03, 0x01, 0x00, 0xC8, 0x01 });
            // Bounded below Kestrel's own default handshake timeout (10 s), which would also close it.
            Assert.Empty((await stalled.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken)).Bytes);
        }

        await using var client = await server.ConnectAsync(server.EndPoints[0]);
        await using var tls = await TlsClient.ConnectAsync(client.AsStream(), generated);
        Assert.Equal("Good talking to you\n", await TlsClient.ExchangeAsync(tls, "in time\n"));
        await server.ExitAsync();

        using var json = await ReadReportAsync();
        Assert.Equal(1, json.RootElement.GetProperty("probes").GetInt32());
    }

    [Fact]
    public async Task AlpnIsNegotiatedOnlyAsConfiguredAndAnOfferOfOthersIsAProbe()
    {
        var (server, generated) = await StartWithGeneratedCertificateAsync("--alpn", "oneshot/1,x", "--report", Report);
        await using var running = server;

        await using (var http = await server.ConnectAsync(server.EndPoints[0]))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => TlsClient.ConnectAsync(http.AsStream(), generated, alpn: ["h2", "http/1.1"]));
        }

        await using var client = await server.ConnectAsync(server.EndPoints[0]);
        await using var tls = await TlsClient.ConnectAsync(client.AsStream(), generated, alpn: ["oneshot/1"]);
        var answer = await TlsClient.ExchangeAsync(tls, "alpn\n");
        await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer);
        Assert.Equal("oneshot/1", tls.NegotiatedApplicationProtocol.ToString());
        using var json = await ReadReportAsync();
        Assert.Equal("oneshot/1", json.RootElement.GetProperty("served")[0].GetProperty("tls").GetProperty("alpn").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("probes").GetInt32());
    }

    [Fact]
    public async Task WithoutAlpnAClientOfferingItIsServedWithoutOne()
    {
        var (server, generated) = await StartWithGeneratedCertificateAsync();
        await using var running = server;
        await using var client = await server.ConnectAsync(server.EndPoints[0]);

        await using var tls = await TlsClient.ConnectAsync(client.AsStream(), generated, alpn: ["h2", "http/1.1"]);
        var answer = await TlsClient.ExchangeAsync(tls, "no alpn\n");

        Assert.Equal("Good talking to you\n", answer);
        Assert.Equal(default, tls.NegotiatedApplicationProtocol);
        Assert.Equal(0, (await server.ExitAsync()).ExitCode);
    }

    [Theory]
    [InlineData("rsa-pkcs1")]
    [InlineData("ec-sec1")]
    [InlineData("ec-pkcs8")]
    public async Task AGivenPemCertificateAndKeyAreServedWithTheirChain(string kind)
    {
        var (certificate, key) = kind switch
        {
            "rsa-pkcs1" => (Certificates.ServerRsaPem, Certificates.ServerRsaPkcs1Key),
            "ec-sec1" => (Certificates.ServerEcPem, Certificates.ServerEcSec1Key),
            _ => (Certificates.ServerEcPem, Certificates.ServerEcPkcs8Key),
        };
        await using var server = await world.StartAsync("--tls-cert", certificate, "--tls-key", key, "--report", Report);
        await using var client = await server.ConnectAsync(server.EndPoints[0]);

        await using var tls = await TlsClient.ConnectAsync(client.AsStream(), Certificates.Ca);
        var answer = await TlsClient.ExchangeAsync(tls, "pem\n");
        await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer);
        using var json = await ReadReportAsync();
        Assert.False(json.RootElement.GetProperty("tls").GetProperty("generated").GetBoolean());
    }

    [Fact]
    public async Task AnExpiredCertificateIsServedWithAWarning()
    {
        await using var server = await world.StartAsync("--tls-cert", Certificates.ExpiredPem, "--tls-key", Certificates.ExpiredKey, "--wait-timeout", "50ms");

        var run = await server.ExitAsync();

        Assert.Equal(4, run.ExitCode);
        Assert.Contains(run.Stderr, l => l.StartsWith("warn: The TLS certificate is not valid now", StringComparison.Ordinal));
        Assert.NotEmpty(server.EndPoints);
    }

    [Fact]
    public async Task AClientCertificateIsRequiredAndMustChainToTheGivenCa()
    {
        await using var server = await world.StartAsync(
            "--tls-cert", Certificates.ServerEcPem, "--tls-key", Certificates.ServerEcPkcs8Key, "--tls-client-ca", Certificates.CaPem, "--report", Report);

        // With TLS 1.3 the client may finish its side of the handshake before the server refuses
        // it: either way, no answer comes.
        await using (var anonymous = await server.ConnectAsync(server.EndPoints[0]))
        {
            Assert.Equal("", await AttemptAsync(anonymous, clientCertificate: null));
        }

        await using (var stranger = await server.ConnectAsync(server.EndPoints[0]))
        {
            Assert.Equal("", await AttemptAsync(stranger, Certificates.Stranger));
        }

        await using var client = await server.ConnectAsync(server.EndPoints[0]);
        await using var known = await TlsClient.ConnectAsync(client.AsStream(), Certificates.Ca, clientCertificate: Certificates.Client);
        var answer = await TlsClient.ExchangeAsync(known, "known\n");
        var run = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer);
        Assert.Equal("The message was: known\n", run.Stdout);
        Assert.Contains(run.Stderr, l => l.StartsWith("warn: Client certificate CN=stranger.test rejected: ", StringComparison.Ordinal));
        using var json = await ReadReportAsync();
        Assert.Equal(2, json.RootElement.GetProperty("probes").GetInt32());
        var presented = json.RootElement.GetProperty("served")[0].GetProperty("tls").GetProperty("clientCertificate");
        Assert.Equal("CN=client.test", presented.GetProperty("subject").GetString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Certificates.Client.RawData)), presented.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task APROXYHeaderSentInsideTlsIsServedAsTheMessageWithAWarning()
    {
        var (server, generated) = await StartWithGeneratedCertificateAsync();
        await using var running = server;
        await using var client = await server.ConnectAsync(server.EndPoints[0]);

        await using var tls = await TlsClient.ConnectAsync(client.AsStream(), generated);
        var answer = await TlsClient.ExchangeAsync(tls, Encoding.ASCII.GetString(V1Header) + "inside\n");
        var run = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer);
        Assert.StartsWith("The message was: PROXY TCP4 203.0.113.7 ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains(run.Stderr, l => l.StartsWith("warn: Connection ", StringComparison.Ordinal) && l.EndsWith(
            ": the message served begins with a PROXY v1 header: the proxy sends its PROXY header inside TLS, where it is part of the message: it must come before the handshake (--proxy-protocol required reads it there)",
            StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--expect-sni", "LOCALHOST", "sni", "localhost", true)]
    [InlineData("--expect-sni", "route.test", "sni", "localhost", false)]
    [InlineData("--expect-alpn", "oneshot/1", "alpn", "oneshot/1", true)]
    [InlineData("--expect-alpn", "h2", "alpn", "oneshot/1", false)]
    [InlineData("--expect-tls-version", "tlsv1.3", "tls-version", "TLSv1.3", true)]
    [InlineData("--expect-tls-version", "TLSv1.2", "tls-version", "TLSv1.3", false)]
    [InlineData("--expect-client-cert", "CN=client.test", "client-cert", "CN=client.test", true)]
    [InlineData("--expect-client-cert", "CN=stranger.test", "client-cert", "CN=client.test", false)]
    [InlineData("--expect-client-cert", "client-sha256", "client-cert", "client-sha256", true)]
    [InlineData("--expect-client-cert", "stranger-sha256", "client-cert", "client-sha256", false)]
    public async Task ATlsExpectationMetExitsZeroAndOneUnmetExitsFiveAfterTheAnswer(string @switch, string value, string name, string actual, bool met)
    {
        value = Fingerprint(value);
        actual = Fingerprint(actual);
        await using var server = await world.StartAsync(
            "--tls-cert", Certificates.ServerEcPem, "--tls-key", Certificates.ServerEcPkcs8Key, "--tls-client-ca", Certificates.CaPem, "--alpn", "oneshot/1",
            "--report", Report, @switch, value);
        await using var client = await server.ConnectAsync(server.EndPoints[0]);

        await using var tls = await TlsClient.ConnectAsync(client.AsStream(), Certificates.Ca, alpn: ["oneshot/1"], clientCertificate: Certificates.Client);
        var answer = await TlsClient.ExchangeAsync(tls, "over tls\n");
        var run = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer);
        Assert.Equal(met ? 0 : 5, run.ExitCode);
        // The line ends with the expected and the actual, or, where proxies' directives explain it (SNI), goes on to them.
        var unmet = $" was served, not as expected: {name} {value} expected ({@switch}), got {actual}";
        Assert.Equal(met ? 0 : 1, run.Stderr.Count(line => name == "sni"
            ? line.Contains(unmet + ": the proxy sends no server name", StringComparison.Ordinal)
            : line.EndsWith(unmet, StringComparison.Ordinal)));
        using var json = await ReadReportAsync();
        var result = Assert.Single(json.RootElement.GetProperty("served")[0].GetProperty("expectations").EnumerateArray().ToArray());
        Assert.Equal((actual, met), (result.GetProperty("actual").GetString(), result.GetProperty("met").GetBoolean()));

        static string Fingerprint(string text) => text switch
        {
            "client-sha256" => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Certificates.Client.RawData)),
            "stranger-sha256" => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Certificates.Stranger.RawData)),
            _ => text,
        };
    }

    [Fact]
    public async Task ThePROXYHeaderComesBeforeTheHandshake()
    {
        var (server, generated) = await StartWithGeneratedCertificateAsync("--proxy-protocol", "required", "--report", Report);
        await using var running = server;
        await using var client = await server.ConnectAsync(server.EndPoints[0]);

        await client.SendAsync(V1Header);
        await using var tls = await TlsClient.ConnectAsync(client.AsStream(), generated);
        var answer = await TlsClient.ExchangeAsync(tls, "behind a proxy\n");
        var run = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer);
        Assert.Contains(run.Stderr, l => l.Contains("from 203.0.113.7:51000 via proxy ", StringComparison.Ordinal) && l.Contains(" over TLSv1.", StringComparison.Ordinal));
        using var json = await ReadReportAsync();
        Assert.Equal("203.0.113.7:51000", json.RootElement.GetProperty("served")[0].GetProperty("proxy").GetProperty("originalClient").GetString());
    }

    [Fact]
    public async Task AProxysLocalHealthCheckGetsItsHandshakeButNeverTheShot()
    {
        var (server, generated) = await StartWithGeneratedCertificateAsync("--proxy-protocol", "required", "--report", Report);
        await using var running = server;

        // HAProxy's check-ssl with check-send-proxy: a v2 LOCAL header, a handshake, then close.
        await using (var check = await server.ConnectAsync(server.EndPoints[0]))
        {
            await check.SendAsync(new byte[] { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00 });
            await using var tls = await TlsClient.ConnectAsync(check.AsStream(), generated);
            await tls.ShutdownAsync();
        }

        await using var client = await server.ConnectAsync(server.EndPoints[0]);
        await client.SendAsync(V1Header);
        await using var real = await TlsClient.ConnectAsync(client.AsStream(), generated);
        var answer = await TlsClient.ExchangeAsync(real, "real\n");
        var run = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer);
        Assert.Equal("The message was: real\n", run.Stdout);
        using var json = await ReadReportAsync();
        Assert.Equal(1, json.RootElement.GetProperty("probes").GetInt32());
    }

    [Theory]
    [InlineData("invalid OneShot:TlsKey (--tls-key) 'k.pem': needs --tls-cert too", "--tls-key", "k.pem")]
    [InlineData("invalid OneShot:TlsCertificate (--tls-cert) 'c.pem': needs --tls-key too", "--tls-cert", "c.pem")]
    [InlineData("invalid OneShot:TlsCertificateOut (--tls-cert-out) 'out.pem': needs --tls", "--tls-cert-out", "out.pem")]
    [InlineData("invalid OneShot:Alpn (--alpn) 'x': needs --tls", "--alpn", "x")]
    [InlineData("invalid OneShot:Tls (--tls) 'maybe': expected true or false", "--tls=maybe")]
    public async Task TlsSwitchesThatDoNotGoTogetherExitTwo(string expected, params string[] args)
    {
        await using var server = await world.StartAsync(args);

        var run = await server.ExitAsync();

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {expected}", Assert.Single(run.Stderr));
    }

    [Theory]
    [InlineData("missing certificate", "--tls-cert", "no such file")]
    [InlineData("not pem", "--tls-cert", "the file holds no PEM certificate")]
    [InlineData("key of another certificate", "--tls-key", "the private key does not match the certificate")]
    [InlineData("key of another algorithm", "--tls-key", "the private key is not of the certificate's algorithm, or cannot be read")]
    [InlineData("no server authentication", "--tls-cert", "the certificate is not for server authentication (its extended key usage lacks serverAuth)")]
    [InlineData("cert-out and cert", "--tls-cert-out", "writes the generated certificate, and --tls-cert gives one")]
    [InlineData("unwritable cert-out", "--tls-cert-out", "the directory does not exist")]
    [InlineData("missing client ca", "--tls-client-ca", "no such file")]
    public async Task UnusableTlsInputsExitTwoNamingTheSwitchAndTheReason(string @case, string @switch, string reason)
    {
        var missing = Path.Combine(_folder, "missing.pem");
        var notPem = Path.Combine(_folder, "not.pem");
        await File.WriteAllTextAsync(notPem, "hello\n", TestContext.Current.CancellationToken);
        string[] args = @case switch
        {
            "missing certificate" => ["--tls-cert", missing, "--tls-key", Certificates.ServerEcPkcs8Key],
            "not pem" => ["--tls-cert", notPem, "--tls-key", Certificates.ServerEcPkcs8Key],
            "key of another certificate" => ["--tls-cert", Certificates.ServerEcPem, "--tls-key", Certificates.ExpiredKey],
            "key of another algorithm" => ["--tls-cert", Certificates.ServerRsaPem, "--tls-key", Certificates.ServerEcPkcs8Key],
            "no server authentication" => ["--tls-cert", Certificates.ClientOnlyPem, "--tls-key", Certificates.ClientOnlyKey],
            "cert-out and cert" => ["--tls-cert", Certificates.ServerEcPem, "--tls-key", Certificates.ServerEcPkcs8Key, "--tls-cert-out", GeneratedPem],
            "unwritable cert-out" => ["--tls", "--tls-cert-out", Path.Combine(_folder, "no-such-folder", "out.pem")],
            _ => ["--tls", "--tls-client-ca", missing],
        };
        await using var server = await world.StartAsync(args);

        var run = await server.ExitAsync();

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr, l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains($" ({@switch}) ", line, StringComparison.Ordinal);
        Assert.EndsWith($": {reason}", line, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts with <c>--tls</c> and the generated certificate written out; returns it for clients to trust.</summary>
    private async Task<(IServerUnderTest Server, X509Certificate2 Generated)> StartWithGeneratedCertificateAsync(params string[] args)
    {
        var server = await world.StartAsync(["--tls", "--tls-cert-out", GeneratedPem, .. args]);
        return (server, X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(GeneratedPem, TestContext.Current.CancellationToken)));
    }

    /// <summary>The answer a TLS client gets, or nothing when its handshake or exchange fails.</summary>
    private static async Task<string> AttemptAsync(IClientUnderTest client, X509Certificate2? clientCertificate)
    {
        try
        {
            await using var tls = await TlsClient.ConnectAsync(client.AsStream(), Certificates.Ca, clientCertificate: clientCertificate);
            return await TlsClient.ExchangeAsync(tls, "who am I\n");
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            return "";
        }
    }

    private static string Name(SslProtocols protocol) => protocol == SslProtocols.Tls13 ? "TLSv1.3" : "TLSv1.2";

    private async Task<JsonDocument> ReadReportAsync() =>
        JsonDocument.Parse(await File.ReadAllBytesAsync(Report, TestContext.Current.CancellationToken));
}

public sealed class TlsProcessScenarios() : TlsScenarios(new ProcessWorld());

public sealed class TlsInMemoryScenarios() : TlsScenarios(new InMemoryWorld());
