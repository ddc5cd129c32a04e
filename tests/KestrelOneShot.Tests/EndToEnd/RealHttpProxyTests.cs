using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace KestrelOneShot.Tests.EndToEnd;

/// <summary>
/// Staging HTTP routes for real: nginx (http module), HAProxy (<c>mode http</c>), Caddy and Apache
/// httpd in front of the built app with <c>--http</c>. For each, a correct route proves itself by exit
/// code alone, and a classic mistake exits 5 with the directive that fixes it, in that proxy's words.
/// </summary>
public sealed class RealHttpProxyTests : IDisposable
{
    private const string Answer = "Good talking to you\n";
    private readonly string _report = Path.Combine(Path.GetTempPath(), $"oneshot-http-proxy-{Guid.NewGuid():N}.json");

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NginxConfiguredForABackendProvesTheRoute()
    {
        var (server, endpoints) = await StartAsync(
            "--expect-host", "route.test", "--expect-path", "/api/hello", "--expect-http-version", "1.1",
            "--expect-forwarded-for", "127.0.0.1", "--expect-forwarded-proto", "http", "--expect-message", "Who is there?");
        await using var running = server;
        await using var nginx = await RealProxy.StartNginxHttpAsync(endpoints[0], "/api/", "", """
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            """);

        var (status, body) = await CurlAsync("-d", "Who is there?", "-H", "Host: route.test", $"http://{nginx.Frontend}/api/hello");
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal(("200", Answer), (status, body));
        Assert.Equal("The message was: Who is there?\n", stdout);
        Assert.True(exitCode == 0, server.Stderr);
    }

    [Fact]
    public async Task NginxWithItsDefaultsIsServedAndEachMistakeIsNamedWithItsFix()
    {
        // location /api/ { proxy_pass http://backend/; }: HTTP/1.0, Host rewritten, no forwarding headers, prefix stripped.
        var (server, endpoints) = await StartAsync(
            "--expect-host", "route.test", "--expect-path", "/api/hello", "--expect-http-version", "1.1", "--expect-forwarded-for", "127.0.0.1");
        await using var running = server;
        await using var nginx = await RealProxy.StartNginxHttpAsync(endpoints[0], "/api/", "/");

        var (status, body) = await CurlAsync("-d", "Who is there?", "-H", "Host: route.test", $"http://{nginx.Frontend}/api/hello");
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal(("200", Answer), (status, body)); // The client still got its answer.
        Assert.Equal(5, exitCode);
        var unmet = server.StderrLines.Where(l => l.Contains(" was served, not as expected: ", StringComparison.Ordinal)).ToArray();
        Assert.Contains(unmet, l => l.Contains($"host route.test expected (--expect-host), got {endpoints[0]}: ", StringComparison.Ordinal) && l.Contains("nginx: proxy_set_header Host $host", StringComparison.Ordinal));
        Assert.Contains(unmet, l => l.Contains("path /api/hello expected (--expect-path), got /hello: ", StringComparison.Ordinal) && l.Contains("proxy_pass with a URI part", StringComparison.Ordinal));
        Assert.Contains(unmet, l => l.Contains("http-version 1.1 expected (--expect-http-version), got 1.0: ", StringComparison.Ordinal) && l.Contains("nginx: proxy_http_version 1.1", StringComparison.Ordinal));
        Assert.Contains(unmet, l => l.Contains("forwarded-for 127.0.0.1/32 expected (--expect-forwarded-for), got none: ", StringComparison.Ordinal) && l.Contains("$proxy_add_x_forwarded_for", StringComparison.Ordinal));
        using var json = ReadReport();
        var http = json.RootElement.GetProperty("served")[0].GetProperty("http");
        Assert.Contains(http.GetProperty("headers").EnumerateArray(), h => h.GetProperty("name").GetString() == "Connection" && h.GetProperty("value").GetString() == "close");
    }

    [Fact]
    public async Task NginxCarriesAWebSocketOnlyWhenToldToPassTheUpgrade()
    {
        var (server, endpoints) = await StartAsync("--expect-websocket", "--expect-http-version", "1.1");
        await using var running = server;
        await using var nginx = await RealProxy.StartNginxHttpAsync(endpoints[0], "/", "", """
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            """);

        var reply = await WebSocketExchangeAsync(new Uri($"ws://{nginx.Frontend}/ws"));
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal(Answer, reply);
        Assert.Equal("The message was: Who is there?\n", stdout);
        Assert.True(exitCode == 0, server.Stderr);
    }

    [Theory]
    [InlineData("", "1.1")]
    [InlineData("proto h2", "2")]
    public async Task HaproxyInHttpModeWithItsChecksProvesTheRoute(string proto, string version)
    {
        var (server, endpoints) = await StartAsync(
            "--expect-host", "route.test", "--expect-forwarded-for", "127.0.0.1", "--expect-forwarded-proto", "http", "--expect-http-version", version,
            "--Logging:LogLevel:KestrelOneShot=Debug");
        await using var running = server;
        await using var haproxy = await RealProxy.StartHaproxyHttpAsync(endpoints[0], """
            option httpchk
            option forwardfor
            http-request set-header X-Forwarded-Proto http
            """, $"check inter 50ms {proto}");

        // HAProxy's checks (OPTIONS / HTTP/1.0 and no Host; over h2 with proto h2) reach the app before the client does.
        await server.WaitForStderrAsync(lines => lines.Count(l => l.StartsWith("dbug: Health check OPTIONS / HTTP/", StringComparison.Ordinal)) >= 2);
        var (status, body) = await CurlAsync("-d", "staged", "-H", "Host: route.test", $"http://{haproxy.Frontend}/api/hello");
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal(("200", Answer), (status, body));
        Assert.Equal("The message was: staged\n", stdout);
        Assert.True(exitCode == 0, server.Stderr);
        using var json = ReadReport();
        Assert.True(json.RootElement.GetProperty("probes").GetInt32() >= 2);
        Assert.Contains(json.RootElement.GetProperty("rejected").EnumerateArray(), r => r.GetProperty("reason").GetString() == $"HTTP health check (OPTIONS / HTTP/{(version == "2" ? "2" : "1.0")}), answered 200");
    }

    [Fact]
    public async Task HaproxyWithoutForwardforExitsFiveNamingTheOption()
    {
        var (server, endpoints) = await StartAsync("--expect-forwarded-for", "127.0.0.1");
        await using var running = server;
        await using var haproxy = await RealProxy.StartHaproxyHttpAsync(endpoints[0], "", "");

        var (status, _) = await CurlAsync($"http://{haproxy.Frontend}/");
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal("200", status);
        Assert.Equal(5, exitCode);
        Assert.Contains(server.StderrLines, l => l.Contains("forwarded-for 127.0.0.1/32 expected (--expect-forwarded-for), got none: ", StringComparison.Ordinal) && l.Contains("HAProxy: option forwardfor", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HaproxySendsAProxyHeaderInHttpModeToo()
    {
        var (server, endpoints) = await StartAsync("--proxy-protocol", "required", "--expect-proxy", "v2", "--expect-client", "127.0.0.1", "--expect-http-version", "1.1");
        await using var running = server;
        await using var haproxy = await RealProxy.StartHaproxyHttpAsync(endpoints[0], "", "send-proxy-v2");

        var (status, _) = await CurlAsync($"http://{haproxy.Frontend}/");
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal("200", status);
        Assert.True(exitCode == 0, server.Stderr);
    }

    [Theory]
    [InlineData("", "1.1")]
    [InlineData("transport http {\n  versions h2c 2\n}", "2")]
    public async Task CaddyProvesTheRouteWithItsDefaultForwardingHeaders(string options, string version)
    {
        var (server, endpoints) = await StartAsync(
            "--expect-host", "route.test", "--expect-forwarded-for", "127.0.0.1", "--expect-forwarded-proto", "http", "--expect-http-version", version,
            "--expect-header", "X-Forwarded-Host: route.test");
        await using var running = server;
        await using var caddy = await RealProxy.StartCaddyAsync(endpoints[0], options);

        var (status, body) = await CurlAsync("-d", "staged", "-H", "Host: route.test", $"http://{caddy.Frontend}/api/hello");
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal(("200", Answer), (status, body));
        Assert.True(exitCode == 0, server.Stderr);
    }

    [Fact]
    public async Task CaddyWithoutH2cSpeaksHttp11AndTheVersionExpectationNamesTheTransport()
    {
        var (server, endpoints) = await StartAsync("--expect-http-version", "2");
        await using var running = server;
        await using var caddy = await RealProxy.StartCaddyAsync(endpoints[0]);

        var (status, _) = await CurlAsync($"http://{caddy.Frontend}/");
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal("200", status);
        Assert.Equal(5, exitCode);
        Assert.Contains(server.StderrLines, l => l.Contains("http-version 2 expected (--expect-http-version), got 1.1: ", StringComparison.Ordinal) && l.Contains("Caddy: transport http { versions h2c 2 }", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApacheWithPreserveHostAndASchemeHeaderProvesTheRoute()
    {
        var (server, endpoints) = await StartAsync(
            "--expect-host", "route.test", "--expect-path", "/api/hello", "--expect-forwarded-for", "127.0.0.1", "--expect-forwarded-proto", "http", "--expect-http-version", "1.1");
        await using var running = server;
        await using var apache = await RealProxy.StartApacheAsync(endpoints[0], """
            ProxyPreserveHost On
            RequestHeader set X-Forwarded-Proto http
            ProxyPass /api/ http://{backend}/api/
            """);

        var (status, body) = await CurlAsync("-d", "staged", "-H", "Host: route.test", $"http://{apache.Frontend}/api/hello");
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal(("200", Answer), (status, body));
        Assert.True(exitCode == 0, server.Stderr);
    }

    [Fact]
    public async Task ApacheSpeaksH2cThroughModProxyHttp2()
    {
        var (server, endpoints) = await StartAsync("--expect-http-version", "2", "--expect-host", "route.test");
        await using var running = server;
        await using var apache = await RealProxy.StartApacheAsync(endpoints[0], """
            ProxyPreserveHost On
            ProxyPass / h2c://{backend}/
            """);

        var (status, body) = await CurlAsync("-d", "staged", "-H", "Host: route.test", $"http://{apache.Frontend}/");
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal(("200", Answer), (status, body));
        Assert.True(exitCode == 0, server.Stderr);
    }

    [Fact]
    public async Task HaproxyReEncryptingHttpNegotiatesH2ByAlpn()
    {
        var (server, endpoints) = await StartAsync(
            "--tls", "--expect-alpn", "h2", "--expect-http-version", "2", "--expect-tls-version", "TLSv1.3", "--expect-sni", "route.test", "--expect-forwarded-for", "127.0.0.1");
        await using var running = server;
        await using var haproxy = await RealProxy.StartHaproxyHttpAsync(endpoints[0], "option forwardfor", "ssl verify none sni str(route.test) alpn h2,http/1.1");

        var (status, body) = await CurlAsync("-d", "staged", $"http://{haproxy.Frontend}/");
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal(("200", Answer), (status, body));
        Assert.True(exitCode == 0, server.Stderr);
        using var json = ReadReport();
        Assert.Equal("alpn", json.RootElement.GetProperty("served")[0].GetProperty("http").GetProperty("chosenBy").GetString());
    }

    [Fact]
    public async Task NginxReEncryptingWithTheClientsHostAsServerNameProvesTheRoute()
    {
        var (server, endpoints) = await StartAsync("--tls", "--expect-sni", "route.test", "--expect-host", "route.test", "--expect-http-version", "1.1");
        await using var running = server;
        await using var nginx = await RealProxy.StartNginxHttpAsync(endpoints[0], "/", "", """
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_ssl_server_name on;
            proxy_ssl_name $host;
            """, scheme: "https");

        var (status, body) = await CurlAsync("-d", "staged", "-H", "Host: route.test", $"http://{nginx.Frontend}/");
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal(("200", Answer), (status, body));
        Assert.True(exitCode == 0, server.Stderr);
    }

    [Fact]
    public async Task NginxReEncryptingWithItsDefaultsSendsNoServerNameAndTheHintNamesTheDirective()
    {
        var (server, endpoints) = await StartAsync("--tls", "--expect-sni", "route.test");
        await using var running = server;
        await using var nginx = await RealProxy.StartNginxHttpAsync(endpoints[0], "/", "", scheme: "https");

        var (status, _) = await CurlAsync("-H", "Host: route.test", $"http://{nginx.Frontend}/");
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal("200", status);
        Assert.Equal(5, exitCode);
        Assert.Contains(server.StderrLines, l => l.Contains("sni route.test expected (--expect-sni)", StringComparison.Ordinal) && l.Contains("nginx: proxy_ssl_server_name on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CaddyReEncryptingSpeaksH2ByAlpnWithTheServerNameItIsGiven()
    {
        var (server, endpoints) = await StartAsync("--tls", "--alpn", "h2,http/1.1", "--expect-sni", "route.test", "--expect-alpn", "h2", "--expect-http-version", "2", "--expect-forwarded-proto", "http");
        await using var running = server;
        await using var caddy = await RealProxy.StartCaddyAsync(endpoints[0], """
            transport http {
              tls_insecure_skip_verify
              tls_server_name route.test
            }
            """, scheme: "https");

        var (status, body) = await CurlAsync("-d", "staged", "-H", "Host: route.test", $"http://{caddy.Frontend}/");
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal(("200", Answer), (status, body));
        Assert.True(exitCode == 0, server.Stderr);
    }

    [Fact]
    public async Task ApacheReEncryptingWithPreserveHostSendsTheClientsHostAsServerName()
    {
        var (server, endpoints) = await StartAsync("--tls", "--expect-sni", "route.test", "--expect-host", "route.test");
        await using var running = server;
        await using var apache = await RealProxy.StartApacheAsync(endpoints[0], """
            SSLProxyEngine on
            SSLProxyVerify none
            SSLProxyCheckPeerName off
            SSLProxyCheckPeerCN off
            ProxyPreserveHost On
            ProxyPass / https://{backend}/
            """);

        var (status, body) = await CurlAsync("-d", "staged", "-H", "Host: route.test", $"http://{apache.Frontend}/");
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal(("200", Answer), (status, body));
        Assert.True(exitCode == 0, server.Stderr);
    }

    [Fact]
    public async Task ApacheWithoutPreserveHostExitsFiveNamingTheDirective()
    {
        var (server, endpoints) = await StartAsync("--expect-host", "route.test");
        await using var running = server;
        await using var apache = await RealProxy.StartApacheAsync(endpoints[0], "ProxyPass / http://{backend}/");

        var (status, _) = await CurlAsync("-H", "Host: route.test", $"http://{apache.Frontend}/");
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal("200", status);
        Assert.Equal(5, exitCode);
        Assert.Contains(server.StderrLines, l => l.Contains($"host route.test expected (--expect-host), got {endpoints[0]}: ", StringComparison.Ordinal) && l.Contains("Apache: ProxyPreserveHost On", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApacheCarriesAWebSocketWithUpgradeWebsocket()
    {
        var (server, endpoints) = await StartAsync("--expect-websocket");
        await using var running = server;
        await using var apache = await RealProxy.StartApacheAsync(endpoints[0], "ProxyPass / http://{backend}/ upgrade=websocket");

        var reply = await WebSocketExchangeAsync(new Uri($"ws://{apache.Frontend}/ws"));
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal(Answer, reply);
        Assert.Equal("The message was: Who is there?\n", stdout);
        Assert.True(exitCode == 0, server.Stderr);
    }

    public void Dispose() => File.Delete(_report);

    private async Task<(ServerProcess Server, IReadOnlyList<IPEndPoint> Endpoints)> StartAsync(params string[] args) =>
        await ServerProcess.StartReadyAsync(["--http", "--report", _report, "--address", "127.0.0.1", .. args]);

    private JsonDocument ReadReport() => JsonDocument.Parse(File.ReadAllBytes(_report));

    /// <summary>curl, as an operator types it: the status code and the body.</summary>
    private static async Task<(string Status, string Body)> CurlAsync(params string[] args)
    {
        var start = new ProcessStartInfo(RealProxy.Require("curl", "curl")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-sS", "--max-time", "15", "-w", "\n%{http_code}", .. args])
        {
            start.ArgumentList.Add(arg);
        }

        using var curl = Process.Start(start)!;
        try
        {
            var output = await curl.StandardOutput.ReadToEndAsync(Cancellation).WaitAsync(Bounded.Timeout, Cancellation);
            await curl.WaitForExitAsync(Cancellation).WaitAsync(Bounded.Timeout, Cancellation);
            var split = output.LastIndexOf('\n');
            return (output[(split + 1)..], output[..split]);
        }
        finally
        {
            if (!curl.HasExited)
            {
                curl.Kill();
            }
        }
    }

    /// <summary>The real client library's WebSocket through the proxy: one message out, the answer back, a normal close.</summary>
    private static async Task<string> WebSocketExchangeAsync(Uri uri)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(uri, Cancellation).Within();
        await socket.SendAsync("Who is there?"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, Cancellation).Within();
        var buffer = new byte[256];
        var message = await socket.ReceiveAsync(buffer, Cancellation).Within();
        var close = await socket.ReceiveAsync(buffer, Cancellation).Within();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.CloseStatus);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", Cancellation).Within();
        return System.Text.Encoding.UTF8.GetString(buffer, 0, message.Count);
    }
}
