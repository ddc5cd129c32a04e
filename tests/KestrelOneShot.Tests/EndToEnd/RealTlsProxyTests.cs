using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace KestrelOneShot.Tests.EndToEnd;

/// <summary>
/// Staging TLS routes for real: HAProxy and nginx re-encrypting to the app, checking it over TLS,
/// sending the PROXY header before the handshake, or terminating TLS and telling the app about the
/// client's TLS in PROXY v2 TLVs; and openssl s_client as a client.
/// </summary>
public sealed class RealTlsProxyTests : IDisposable
{
    private const string Debug = "--Logging:LogLevel:KestrelOneShot=Debug";
    private readonly string _folder = Directory.CreateTempSubdirectory("oneshot-tls-proxy-").FullName;

    private static TestCertificates Certificates => TestCertificates.Shared;

    private string Report => Path.Combine(_folder, "run.json");

    [Theory]
    [InlineData("ssl verify none check check-ssl inter 300ms", "off")]
    [InlineData("send-proxy-v2 ssl verify none check check-ssl check-send-proxy inter 300ms", "required")]
    public async Task HaproxyTlsHealthChecksAreProbesAndTheClientIsServedOverTls(string serverOptions, string proxyProtocol)
    {
        // With check-send-proxy a check is a v2 LOCAL header, then the handshake. A just-started
        // (JIT-compiled) app's first handshakes need a longer interval than the plain checks' 50 ms.
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--tls", "--proxy-protocol", proxyProtocol, "--report", Report, Debug);
        await using var running = server;
        await using var haproxy = await RealProxy.StartHaproxyAsync(endpoints[0], serverOptions);

        await server.WaitForStderrAsync(lines => lines.Count(l => l.StartsWith("dbug: Health check ", StringComparison.Ordinal)) >= 3);
        var answer = await SocketClient.ExchangeAsync(haproxy.Frontend, "staged\n"u8.ToArray());
        Assert.True(answer.Text == "Good talking to you\n", $"answer '{answer.Text}'; HAProxy said: {haproxy.Output}; the app said: {server.Stderr}");
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal("The message was: staged\n", stdout);
        Assert.Equal(0, exitCode);
        using var json = ReadReport();
        Assert.True(json.RootElement.GetProperty("probes").GetInt32() >= 3);
        Assert.StartsWith("TLSv1.", json.RootElement.GetProperty("served")[0].GetProperty("tls").GetProperty("protocol").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HaproxyReEncryptingWithoutSendProxyIsNamedAsATlsClientHelloWithAHint()
    {
        // The mistake: `server … ssl` to a listener that requires a PROXY header, without send-proxy.
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--proxy-protocol", "required", "--wait-timeout", "3s");
        await using var running = server;
        await using var haproxy = await RealProxy.StartHaproxyAsync(endpoints[0], "ssl verify none sni str(route.test) alpn h2,http/1.1");

        var answer = await SocketClient.ExchangeAsync(haproxy.Frontend, "through\n"u8.ToArray());
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal("", answer.Text);
        Assert.Equal(4, exitCode);
        Assert.Empty(stdout);
        Assert.Contains(server.StderrLines, line => line.EndsWith(
            " closed: expected a PROXY protocol header, got a TLS ClientHello (SNI route.test, ALPN h2,http/1.1): the proxy sends no PROXY header, or sends it inside TLS",
            StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("send-proxy-v2 ssl verify none sni str(route.test) ssl-min-ver TLSv1.3", 0)]
    [InlineData("send-proxy ssl verify none sni str(route.test) ssl-min-ver TLSv1.3", 5)]
    [InlineData("send-proxy-v2 ssl verify none sni str(other.test) ssl-max-ver TLSv1.2", 5)]
    public async Task AStagedHaproxyRouteProvesItselfByExitCodeAlone(string serverOptions, int exitCode)
    {
        var (server, endpoints) = await ServerProcess.StartReadyAsync(
            "--tls", "--proxy-protocol", "required",
            "--expect-client", "127.0.0.1", "--expect-proxy", "v2", "--expect-sni", "route.test", "--expect-tls-version", "TLSv1.3");
        await using var running = server;
        await using var haproxy = await RealProxy.StartHaproxyAsync(endpoints[0], serverOptions);

        var answer = await SocketClient.ExchangeAsync(haproxy.Frontend, "route\n"u8.ToArray());
        var (exit, _) = await server.ExitAsync();

        // Whatever the route, the client that came through it got its answer.
        Assert.True(answer.Text == "Good talking to you\n", $"answer '{answer.Text}'; HAProxy said: {haproxy.Output}; the app said: {server.Stderr}");
        Assert.True(exit == exitCode, $"exit {exit}; the app said: {server.Stderr}");
    }

    [Fact]
    public async Task HaproxyVerifiesTheAppsCertificateAgainstTheCa()
    {
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--tls-cert", Certificates.ServerEcPem, "--tls-key", Certificates.ServerEcPkcs8Key);
        await using var running = server;
        await using var haproxy = await RealProxy.StartHaproxyAsync(endpoints[0], $"ssl verify required ca-file {Certificates.CaPem} verifyhost localhost");

        var answer = await SocketClient.ExchangeAsync(haproxy.Frontend, "verified\n"u8.ToArray());
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer.Text);
        Assert.Equal("The message was: verified\n", stdout);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task HaproxySendsTheProxyHeaderBeforeTheHandshake()
    {
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--proxy-protocol", "required", "--tls", "--report", Report);
        await using var running = server;
        await using var haproxy = await RealProxy.StartHaproxyAsync(endpoints[0], "send-proxy-v2 ssl verify none");

        using var client = await SocketClient.ConnectAsync(haproxy.Frontend);
        await client.SendAsync("proxied\n"u8.ToArray());
        var answer = await client.ReadToEndAsync();
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer.Text);
        Assert.Equal(0, exitCode);
        using var json = ReadReport();
        var served = json.RootElement.GetProperty("served")[0];
        Assert.Equal(client.Socket.LocalEndPoint!.ToString(), served.GetProperty("proxy").GetProperty("originalClient").GetString());
        Assert.True(served.TryGetProperty("tls", out _));
    }

    [Fact]
    public async Task HaproxyTerminatingTlsTellsTheClientsTlsVersionAndCertificateInTlvs()
    {
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--proxy-protocol", "required", "--report", Report);
        await using var running = server;
        await using var haproxy = await RealProxy.StartHaproxyAsync(
            endpoints[0],
            "send-proxy-v2-ssl-cn",
            $"ssl crt {Certificates.ServerCombinedPem} verify optional ca-file {Certificates.CaPem}");

        using var socket = await SocketClient.ConnectAsync(haproxy.Frontend);
        await using var tls = await TlsClient.ConnectAsync(new NetworkStream(socket.Socket), Certificates.Ca, clientCertificate: Certificates.Client);
        var answer = await TlsClient.ExchangeAsync(tls, "terminated\n");
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer);
        Assert.Equal("The message was: terminated\n", stdout);
        Assert.Equal(0, exitCode);
        using var json = ReadReport();
        var proxy = json.RootElement.GetProperty("served")[0].GetProperty("proxy");
        var ssl = proxy.GetProperty("ssl");
        Assert.True(ssl.GetProperty("clientConnectedWithSsl").GetBoolean());
        Assert.True(ssl.GetProperty("clientCertInConnection").GetBoolean());
        Assert.True(ssl.GetProperty("verified").GetBoolean());
        Assert.Equal(tls.SslProtocol == System.Security.Authentication.SslProtocols.Tls13 ? "TLSv1.3" : "TLSv1.2", ssl.GetProperty("version").GetString());
        Assert.Equal("client.test", ssl.GetProperty("cn").GetString());
        Assert.False(json.RootElement.GetProperty("served")[0].TryGetProperty("tls", out _));
    }

    [Fact]
    public async Task NginxReencryptsWithTheProxyHeaderFirst()
    {
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--proxy-protocol", "required", "--tls", "--report", Report);
        await using var running = server;
        await using var nginx = await RealProxy.StartNginxAsync(endpoints[0], proxyProtocol: true, "proxy_ssl on; proxy_ssl_protocols TLSv1.2 TLSv1.3;");

        using var client = await SocketClient.ConnectAsync(nginx.Frontend);
        await client.SendAsync("nginx tls\n"u8.ToArray());
        var answer = await client.ReadToEndAsync();
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer.Text);
        Assert.Equal("The message was: nginx tls\n", stdout);
        Assert.Equal(0, exitCode);
        using var json = ReadReport();
        var served = json.RootElement.GetProperty("served")[0];
        Assert.Equal(client.Socket.LocalEndPoint!.ToString(), served.GetProperty("proxy").GetProperty("originalClient").GetString());
        Assert.StartsWith("TLSv1.", served.GetProperty("tls").GetProperty("protocol").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpensslSClientIsAnsweredAndItsFingerprintIsTheOneLogged()
    {
        var openssl = RealProxy.Require("openssl", "openssl");
        var generated = Path.Combine(_folder, "generated.pem");
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--tls", "--tls-cert-out", generated);
        await using var running = server;

        var sClient = await RunAsync(openssl, $"s_client -connect {endpoints[0]} -servername oneshot.test -CAfile {generated} -verify_return_error -quiet", "openssl says hi\n");
        var fingerprint = await RunAsync(openssl, $"x509 -in {generated} -noout -fingerprint -sha256", "");
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Contains("Good talking to you", sClient, StringComparison.Ordinal);
        Assert.Equal("The message was: openssl says hi\n", stdout);
        Assert.Equal(0, exitCode);
        var logged = server.StderrLines.Single(l => l.StartsWith("info: TLS certificate ", StringComparison.Ordinal));
        var hex = fingerprint.Trim()[(fingerprint.IndexOf('=', StringComparison.Ordinal) + 1)..].Replace(":", "", StringComparison.Ordinal).ToLowerInvariant();
        Assert.Contains($"SHA-256 {hex} ", logged, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task<string> RunAsync(string program, string arguments, string input)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        try
        {
            await process.StandardInput.WriteAsync(input);
            var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            _ = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            var text = await output.WaitAsync(Bounded.Timeout, TestContext.Current.CancellationToken);
            process.StandardInput.Close();
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).Within();
            return text;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private JsonDocument ReadReport() => JsonDocument.Parse(File.ReadAllBytes(Report));
}
