using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace KestrelOneShot.Tests.Scenarios;

/// <summary>
/// The HTTP mode (<c>--http</c>), written once and run against the process and in memory, with a real
/// <see cref="HttpClient"/> and <see cref="ClientWebSocket"/> whose connections are the world's own.
/// </summary>
public abstract class HttpScenarios(IOneShotWorld world) : IAsyncDisposable
{
    private const string Answer = "Good talking to you\n";
    private readonly string _folder = Directory.CreateTempSubdirectory("oneshot-http-").FullName;
    private readonly List<IClientUnderTest> _clients = [];

    private string Report => Path.Combine(_folder, "run.json");

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task APostsBodyIsTheMessageAndTheAnswerIsAnHttpResponseThatClosesTheConnection()
    {
        await using var server = await world.StartAsync("--http", "--report", Report);
        using var client = Client(server);

        using var response = await client.PostAsync("http://route.test/api/hello", new StringContent("Who is there?"), Cancellation).Within();
        var body = await response.Content.ReadAsStringAsync(Cancellation).Within();
        var run = await server.ExitAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Answer, body);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.True(response.Headers.ConnectionClose);
        Assert.Equal("The message was: Who is there?\n", run.Stdout);
        Assert.Equal(0, run.ExitCode);
        using var json = await ReadReportAsync();
        var http = json.RootElement.GetProperty("served")[0].GetProperty("http");
        Assert.Equal("POST", http.GetProperty("method").GetString());
        Assert.Equal("/api/hello", http.GetProperty("target").GetString());
        Assert.Equal("1.1", http.GetProperty("version").GetString());
        Assert.Equal("http1", http.GetProperty("chosenBy").GetString());
        Assert.Equal("route.test", http.GetProperty("host").GetString());
        Assert.Equal(13, http.GetProperty("bodyBytes").GetInt64());
        Assert.Contains(http.GetProperty("headers").EnumerateArray(), h => h.GetProperty("name").GetString() == "Content-Type");
    }

    [Fact]
    public async Task ARequestWithoutABodyIsItsMethodAndTarget()
    {
        await using var server = await world.StartAsync("--http");
        using var client = Client(server);

        var body = await client.GetStringAsync("http://route.test/api/z?x=1", Cancellation).Within();
        var run = await server.ExitAsync();

        Assert.Equal(Answer, body);
        Assert.Equal("The message was: GET /api/z?x=1\n", run.Stdout);
    }

    [Fact]
    public async Task HttpTwoWithPriorKnowledgeIsServedOnTheSamePortAndAPooledConnectionDoesNotHoldTheExit()
    {
        await using var server = await world.StartAsync("--http", "--report", Report, "--expect-http-version", "2");
        using var client = Client(server);

        using var request = new HttpRequestMessage(HttpMethod.Post, "http://route.test/h2") { Content = new StringContent("over h2c"), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await client.SendAsync(request, Cancellation).Within();
        var body = await response.Content.ReadAsStringAsync(Cancellation).Within();
        var run = await server.ExitAsync();

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(Answer, body);
        Assert.Equal("The message was: over h2c\n", run.Stdout);
        Assert.Equal(0, run.ExitCode);
        using var json = await ReadReportAsync();
        var http = json.RootElement.GetProperty("served")[0].GetProperty("http");
        Assert.Equal("2", http.GetProperty("version").GetString());
        Assert.Equal("prior-knowledge", http.GetProperty("chosenBy").GetString());
    }

    [Fact]
    public async Task HealthChecksOnAKeepAliveConnectionNeverTakeTheShotAndAreRecorded()
    {
        await using var server = await world.StartAsync("--http", "--report", Report, "--health-path", "/health", "--health-path", "/ready");
        using var client = Client(server);

        foreach (var (method, path) in new[] { (HttpMethod.Options, "/"), (HttpMethod.Head, "/"), (HttpMethod.Get, "/health"), (HttpMethod.Get, "/ready") })
        {
            using var check = await client.SendAsync(new HttpRequestMessage(method, $"http://route.test{path}"), Cancellation).Within();
            Assert.Equal(HttpStatusCode.OK, check.StatusCode);
            Assert.Empty(await check.Content.ReadAsByteArrayAsync(Cancellation));
            Assert.False(check.Headers.ConnectionClose ?? false);
        }

        var body = await client.GetStringAsync("http://route.test/api/z", Cancellation).Within();
        var run = await server.ExitAsync();

        Assert.Equal(Answer, body);
        Assert.Equal("The message was: GET /api/z\n", run.Stdout);
        Assert.Single(Connections()); // Keep-alive: the checks and the shot on one connection.
        using var json = await ReadReportAsync();
        Assert.Equal(4, json.RootElement.GetProperty("probes").GetInt32());
        var checks = json.RootElement.GetProperty("rejected").EnumerateArray().ToArray();
        Assert.Equal(["OPTIONS /", "HEAD /", "GET /health", "GET /ready"], checks.Select(c => $"{c.GetProperty("firstBytes").GetProperty("method").GetString()} {c.GetProperty("firstBytes").GetProperty("target").GetString()}"));
        Assert.All(checks, c => Assert.Equal(("health-check", "http"), (c.GetProperty("kind").GetString(), c.GetProperty("stage").GetString())));
    }

    [Fact]
    public async Task HaproxysDefaultCheckWithoutAHostIsAHealthCheck()
    {
        await using var server = await world.StartAsync("--http", "--report", Report, "--wait-timeout", "300ms");
        await using var check = await server.ConnectAsync(server.EndPoints[0]);
        await check.SendAsync("OPTIONS / HTTP/1.0\r\n\r\n"u8.ToArray());
        var answer = await check.ReadToEndAsync();
        var run = await server.ExitAsync();

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", answer.Text, StringComparison.Ordinal);
        Assert.Equal(4, run.ExitCode);
        Assert.Contains(run.Stderr, l => l.StartsWith("warn: No connection was served within 300ms; ", StringComparison.Ordinal) && l.Contains("1 health check came", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExpectationsMetProveTheRoute()
    {
        await using var server = await world.StartAsync(
            "--http", "--expect-host", "route.test:8080", "--expect-path", "/api/z?x=1", "--expect-method", "POST", "--expect-http-version", "1.1",
            "--expect-header", "X-Trace: abc", "--expect-header", "X-Present", "--expect-no-header", "X-Debug",
            "--expect-forwarded-for", "203.0.113.0/24", "--expect-forwarded-proto", "https", "--expect-message", "ping");
        using var client = Client(server);

        using var request = new HttpRequestMessage(HttpMethod.Post, "http://route.test:8080/api/z?x=1") { Content = new StringContent("ping") };
        request.Headers.Add("X-Trace", "abc");
        request.Headers.Add("X-Present", "anything");
        request.Headers.Add("X-Forwarded-For", "198.51.100.1, 203.0.113.7");
        request.Headers.Add("X-Forwarded-Proto", "https");
        using var response = await client.SendAsync(request, Cancellation).Within();
        var run = await server.ExitAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain(run.Stderr, l => l.StartsWith("warn:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EachUnmetExpectationIsOneWarningWithTheProxysFixAndExitFive()
    {
        await using var server = await world.StartAsync(
            "--http", "--report", Report, "--expect-host", "route.test", "--expect-http-version", "1.1", "--expect-forwarded-for", "203.0.113.7", "--expect-forwarded-proto", "https");
        await using var nginxLike = await server.ConnectAsync(server.EndPoints[0]);
        // What nginx 1.22 sends by default for proxy_pass http://127.0.0.1:19999.
        await nginxLike.SendAsync("POST /api/hello HTTP/1.0\r\nHost: 127.0.0.1:19999\r\nConnection: close\r\nContent-Length: 4\r\n\r\nping"u8.ToArray());
        var answer = await nginxLike.ReadToEndAsync();
        var run = await server.ExitAsync();

        Assert.EndsWith(Answer, answer.Text, StringComparison.Ordinal);
        Assert.Equal(5, run.ExitCode);
        var unmet = run.Stderr.Where(l => l.Contains(" was served, not as expected: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(4, unmet.Length);
        Assert.Contains(unmet, l => l.Contains("host route.test expected (--expect-host), got 127.0.0.1:19999: ", StringComparison.Ordinal) && l.Contains("proxy_set_header Host $host", StringComparison.Ordinal));
        Assert.Contains(unmet, l => l.Contains("http-version 1.1 expected (--expect-http-version), got 1.0: ", StringComparison.Ordinal) && l.Contains("proxy_http_version 1.1", StringComparison.Ordinal));
        Assert.Contains(unmet, l => l.Contains("forwarded-for 203.0.113.7/32 expected (--expect-forwarded-for), got none: ", StringComparison.Ordinal) && l.Contains("option forwardfor", StringComparison.Ordinal));
        Assert.Contains(unmet, l => l.Contains("forwarded-proto https expected (--expect-forwarded-proto), got none: ", StringComparison.Ordinal) && l.Contains("X-Forwarded-Proto $scheme", StringComparison.Ordinal));
        using var json = await ReadReportAsync();
        Assert.Equal("served-not-as-expected", json.RootElement.GetProperty("outcome").GetString());
        Assert.Contains(json.RootElement.GetProperty("served")[0].GetProperty("expectations").EnumerateArray(), e => e.GetProperty("name").GetString() == "host" && e.GetProperty("hint").GetString()!.Contains("ProxyPreserveHost On", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AWebSocketTakesTheShotAndIsAnsweredWithATextMessageAndANormalClose(bool http2)
    {
        await using var server = await world.StartAsync("--http", "--report", Report, "--expect-websocket");
        using var invoker = new HttpMessageInvoker(Handler(server));
        using var socket = new ClientWebSocket();
        if (http2)
        {
            socket.Options.HttpVersion = HttpVersion.Version20;
            socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        await socket.ConnectAsync(new Uri("ws://route.test/ws"), invoker, Cancellation).Within();
        await socket.SendAsync("Who is there?"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, Cancellation).Within();
        var buffer = new byte[256];
        var message = await socket.ReceiveAsync(buffer, Cancellation).Within();
        var close = await socket.ReceiveAsync(buffer, Cancellation).Within();
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", Cancellation).Within();
        var run = await server.ExitAsync();

        Assert.Equal((WebSocketMessageType.Text, Answer), (message.MessageType, Encoding.UTF8.GetString(buffer, 0, message.Count)));
        Assert.Equal((WebSocketMessageType.Close, WebSocketCloseStatus.NormalClosure), (close.MessageType, close.CloseStatus));
        Assert.Equal("The message was: Who is there?\n", run.Stdout);
        Assert.Equal(0, run.ExitCode);
        using var json = await ReadReportAsync();
        var http = json.RootElement.GetProperty("served")[0].GetProperty("http");
        Assert.True(http.GetProperty("webSocket").GetBoolean());
        Assert.Equal(http2 ? "2" : "1.1", http.GetProperty("version").GetString());
    }

    [Fact]
    public async Task AWebSocketHandshakeWhoseUpgradeAProxyDroppedIsServedWithAWarningNamingTheFix()
    {
        await using var server = await world.StartAsync("--http", "--report", Report);
        await using var client = await server.ConnectAsync(server.EndPoints[0]);
        // nginx without proxy_set_header Upgrade/Connection: the key arrives, the upgrade does not.
        await client.SendAsync("GET /ws HTTP/1.0\r\nHost: app\r\nConnection: close\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"u8.ToArray());
        await client.ReadToEndAsync();
        var run = await server.ExitAsync();

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(run.Stderr, l => l.StartsWith("warn: GET /ws HTTP/1.0 on connection ", StringComparison.Ordinal) && l.Contains("proxy_set_header Upgrade $http_upgrade", StringComparison.Ordinal));
        using var json = await ReadReportAsync();
        Assert.Contains("Sec-WebSocket-Key without Upgrade", json.RootElement.GetProperty("served")[0].GetProperty("warning").GetString(), StringComparison.Ordinal);
    }

    /// <summary>A request Kestrel refuses, Kestrel's reason for it, and its answer (none when it may be lost to a reset).</summary>
    public static TheoryData<string, string, string?> RefusedRequests => new()
    {
        { "GET / HTTP/1.1\r\n\r\n", "Request is missing Host header.", "HTTP/1.1 400 Bad Request\r\n" },
        { "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "Multiple Content-Length headers.", "HTTP/1.1 400 Bad Request\r\n" },
        { "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n", "Invalid request header: ''", "HTTP/1.1 400 Bad Request\r\n" },
        // Over Kestrel's 32 KiB of request headers: it answers 431 and closes, perhaps before it has
        // read the rest, which a socket then turns into a reset that loses the answer.
        { $"GET / HTTP/1.1\r\nHost: a\r\nX-Big: {new string('a', 40_000)}\r\n\r\n", "Request headers too long.", null },
    };

    [Theory]
    [MemberData(nameof(RefusedRequests))]
    public async Task ARequestKestrelRefusesIsARejectionWithKestrelsReason(string request, string reason, string? answerStart)
    {
        await using var server = await world.StartAsync("--http", "--report", Report, "--wait-timeout", "500ms");
        await using var client = await server.ConnectAsync(server.EndPoints[0]);
        await client.SendAsync(Encoding.ASCII.GetBytes(request));
        var answer = await client.ReadToEndAsync();
        var run = await server.ExitAsync();

        if (answerStart is not null)
        {
            Assert.StartsWith(answerStart, answer.Text, StringComparison.Ordinal);
        }

        Assert.Equal(4, run.ExitCode);
        Assert.Contains(run.Stderr, l => l.Contains("1 was turned away: 1 HTTP/1.1 request", StringComparison.Ordinal));
        using var json = await ReadReportAsync();
        var rejected = Assert.Single(json.RootElement.GetProperty("rejected").EnumerateArray());
        Assert.Equal(("rejected", "http"), (rejected.GetProperty("kind").GetString(), rejected.GetProperty("stage").GetString()));
        Assert.Equal($"Kestrel refused the request: {reason}", rejected.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task ARequestKestrelRefusesAfterAHealthCheckOnTheSameConnectionIsRecordedToo()
    {
        await using var server = await world.StartAsync("--http", "--report", Report, "--wait-timeout", "500ms");
        await using var client = await server.ConnectAsync(server.EndPoints[0]);
        // A check, then on the same keep-alive connection a request without the Host HTTP/1.1 requires.
        await client.SendAsync("OPTIONS / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n\r\n"u8.ToArray());
        var answer = await client.ReadToEndAsync();
        var run = await server.ExitAsync();

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", answer.Text, StringComparison.Ordinal);
        Assert.Contains("HTTP/1.1 400 Bad Request\r\n", answer.Text, StringComparison.Ordinal);
        Assert.Equal(4, run.ExitCode);
        using var json = await ReadReportAsync();
        var entries = json.RootElement.GetProperty("rejected").EnumerateArray().ToArray();
        Assert.Equal(["health-check", "rejected"], entries.Select(e => e.GetProperty("kind").GetString()));
        Assert.StartsWith("Kestrel refused a later request on this keep-alive connection: ", entries[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LengthWithChunkedIsServedWithAWarningNamingTheSmugglingShape()
    {
        await using var server = await world.StartAsync("--http");
        await using var client = await server.ConnectAsync(server.EndPoints[0]);
        await client.SendAsync("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"u8.ToArray());
        var answer = await client.ReadToEndAsync();
        var run = await server.ExitAsync();

        Assert.EndsWith(Answer, answer.Text, StringComparison.Ordinal);
        Assert.Equal("The message was: abc\n", run.Stdout);
        Assert.Contains(run.Stderr, l => l.StartsWith("warn: POST / HTTP/1.1 on connection ", StringComparison.Ordinal) && l.Contains("both Content-Length and Transfer-Encoding", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("h2", "2")]
    [InlineData("http/1.1", "1.1")]
    public async Task OverTlsAlpnChoosesTheVersion(string alpn, string version)
    {
        var pem = Path.Combine(_folder, "generated.pem");
        await using var server = await world.StartAsync("--http", "--tls", "--tls-cert-out", pem, "--report", Report, "--expect-alpn", alpn);
        using var generated = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pem, Cancellation));
        string body;
        if (version == "2")
        {
            var handler = Handler(server);
            // Trusted by what it is: the certificate the server generated and wrote out.
            handler.SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == generated.GetCertHashString(),
            };
            using var client = new HttpClient(handler);
            using var request = new HttpRequestMessage(HttpMethod.Post, "https://localhost/tls") { Content = new StringContent("secret"), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var response = await client.SendAsync(request, Cancellation).Within();
            body = await response.Content.ReadAsStringAsync(Cancellation).Within();
        }
        else
        {
            // HttpClient offers no ALPN for an HTTP/1.1 request; curl and proxies offer http/1.1.
            await using var connection = await server.ConnectAsync(server.EndPoints[0]);
            await using var tls = await TlsClient.ConnectAsync(connection.AsStream(), generated, alpn: [alpn]);
            body = await TlsClient.ExchangeAsync(tls, "POST /tls HTTP/1.1\r\nHost: localhost\r\nContent-Length: 6\r\n\r\nsecret");
        }

        var run = await server.ExitAsync();

        Assert.EndsWith(Answer, body, StringComparison.Ordinal);
        Assert.Equal(0, run.ExitCode);
        using var json = await ReadReportAsync();
        var served = json.RootElement.GetProperty("served")[0];
        Assert.Equal(alpn, served.GetProperty("tls").GetProperty("alpn").GetString());
        Assert.Equal((version, "alpn"), (served.GetProperty("http").GetProperty("version").GetString(), served.GetProperty("http").GetProperty("chosenBy").GetString()));
    }

    [Fact]
    public async Task InTcpModeAServedHttpRequestWarnsThatTheProxySpeaksHttp()
    {
        await using var server = await world.StartAsync("--report", Report);
        await using var client = await server.ConnectAsync(server.EndPoints[0]);
        await client.SendAsync("POST /api/hello HTTP/1.0\r\nHost: 127.0.0.1:19999\r\n\r\n"u8.ToArray());
        await client.ReadToEndAsync();
        var run = await server.ExitAsync();

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(run.Stderr, l => l.StartsWith("warn: ", StringComparison.Ordinal) && l.Contains("run with --http", StringComparison.Ordinal));
        using var json = await ReadReportAsync();
        Assert.Contains("run with --http", json.RootElement.GetProperty("served")[0].GetProperty("warning").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--expect-host", "route.test")]
    [InlineData("--expect-websocket", null)]
    [InlineData("--health-path", "/health")]
    public async Task AnHttpSwitchWithoutHttpIsExitTwo(string @switch, string? value)
    {
        await using var server = await world.StartAsync(value is null ? [@switch] : [@switch, value]);
        var run = await server.ExitAsync();

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(run.Stderr, l => l.StartsWith("error: ", StringComparison.Ordinal) && l.Contains($"({@switch})", StringComparison.Ordinal) && l.Contains("needs --http", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // TCP mode: the same one line.
    public async Task AspNetCoresUrlsAreNeverSilentlyIgnored(bool http)
    {
        string[] args = ["--urls", "http://127.0.0.1:5056", "--wait-timeout", "50ms"];
        await using var server = await world.StartAsync(http ? ["--http", .. args] : args);
        var run = await server.ExitAsync();

        Assert.Equal(4, run.ExitCode);
        Assert.Contains("warn: --urls / ASPNETCORE_URLS=http://127.0.0.1:5056 does not choose where the one-shot listens: use --address and --port (OneShot:Address, OneShot:Port)", run.Stderr);
    }

    /// <summary>Every connection the handlers made is ended, whatever the test left open.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var client in Connections())
        {
            await client.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    private HttpClient Client(IServerUnderTest server) => new(Handler(server));

    /// <summary>A real handler whose every connection is one of the world's own, to the server's first endpoint.</summary>
    private SocketsHttpHandler Handler(IServerUnderTest server) => new()
    {
        ConnectCallback = async (_, _) =>
        {
            var client = await server.ConnectAsync(server.EndPoints[0]);
            lock (_clients)
            {
                _clients.Add(client);
            }

            return client.AsStream();
        },
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    };

    private IReadOnlyList<IClientUnderTest> Connections()
    {
        lock (_clients)
        {
            return [.. _clients];
        }
    }

    private async Task<JsonDocument> ReadReportAsync() => JsonDocument.Parse(await File.ReadAllBytesAsync(Report, Cancellation));
}

public sealed class HttpProcessScenarios() : HttpScenarios(new ProcessWorld());

public sealed class HttpInMemoryScenarios() : HttpScenarios(new InMemoryWorld());
