using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;

using Grpc.Net.Client;

using HttpApp;
using HttpApp.Grpc;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace KestrelOneShot.Tests.Testing;

/// <summary>
/// A real <see cref="HttpClient"/> (and <see cref="ClientWebSocket"/>) to samples/HttpApp's real
/// Kestrel over the in-memory transport: HTTP/1.1, h2c, HTTPS with ALPN, streaming, WebSockets,
/// network conditions, and no socket bound.
/// </summary>
public sealed class HttpInMemoryTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Http11GetReusesItsConnectionAndBindsNoSocket()
    {
        await using var app = StartApp(out _);
        using var client = app.CreateInMemoryKestrelClient();

        var first = await client.GetStringAsync("/connection", Cancellation).Within();
        var second = await client.GetStringAsync("/connection", Cancellation).Within();

        Assert.Equal(new Uri("http://localhost:5080/"), client.BaseAddress);
        Assert.StartsWith("HTTP/1.1 http remote=127.0.0.1:", first, StringComparison.Ordinal);
        Assert.EndsWith(" local=127.0.0.1:5080", first, StringComparison.Ordinal);
        Assert.Equal(first, second); // the same remote port: one connection for both requests
        Assert.False(SocketTable.Has(HttpApp.Program.HttpPort, SocketTable.Listen), "a socket listens on port 5080");
    }

    [Fact]
    public async Task AOneMebibytePostIsEchoedWhole()
    {
        await using var app = StartApp(out _);
        using var client = app.CreateInMemoryKestrelClient();
        var body = RandomBytes(1024 * 1024);

        using var response = await client.PostAsync("/echo", new ByteArrayContent(body), Cancellation).Within();

        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync(Cancellation).Within());
    }

    [Fact]
    public async Task FiftyConcurrentRequestsAreAllAnswered()
    {
        await using var app = StartApp(out _);
        using var client = app.CreateInMemoryKestrelClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.GetStringAsync("/hello", Cancellation))).Within();

        Assert.All(answers, answer => Assert.Equal("hello", answer));
    }

    [Fact]
    public async Task Http2WithPriorKnowledgeOnAnHttp2OnlyEndpoint()
    {
        await using var app = StartApp(out _);
        using var client = app.CreateInMemoryKestrelClient(new Uri($"http://localhost:{HttpApp.Program.Http2Port}"));

        using var response = await client.SendAsync(Http2Request("/connection"), Cancellation).Within();

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.StartsWith("HTTP/2 http remote=127.0.0.1:", await response.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http2WithPriorKnowledgeOnACleartextHttp1AndHttp2EndpointFailsSayingWhy()
    {
        await using var app = StartApp(out _);
        using var client = app.CreateInMemoryKestrelClient();

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(Http2Request("/hello"), Cancellation).Within());

        Assert.Contains("HTTP/2 with prior knowledge to http://localhost:5080 failed", failure.Message, StringComparison.Ordinal);
        Assert.Contains("only on an endpoint whose Protocols is Http2; an Http1AndHttp2 endpoint offers HTTP/2 only through TLS with ALPN", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpsNegotiatesHttp2ByAlpnWithACertificateMadeByTheTest()
    {
        var certificates = TestCertificates.Shared;
        await using var app = StartApp(out _, web => web
            .UseSetting("Https:CertificatePath", certificates.ServerEcPem)
            .UseSetting("Https:KeyPath", certificates.ServerEcPkcs8Key));
        using var client = app.CreateInMemoryKestrelClient(new Uri($"https://localhost:{HttpApp.Program.HttpsPort}"), certificates.Ca);

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/connection") { Version = HttpVersion.Version20 }, Cancellation).Within();

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.StartsWith("HTTP/2 https remote=127.0.0.1:", await response.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrpcUnaryAndServerStreamingCallsGoThroughTheInMemoryHandler()
    {
        await using var app = StartApp(out var transport);
        using var channel = GrpcChannel.ForAddress($"http://localhost:{HttpApp.Program.Http2Port}", new GrpcChannelOptions { HttpHandler = transport.CreateHandler() });
        var greeter = new Greeter.GreeterClient(channel);

        var reply = await greeter.SayHelloAsync(new HelloRequest { Name = "test" }, cancellationToken: Cancellation).ResponseAsync.Within();
        using var count = greeter.Count(new CountRequest { To = 3 }, cancellationToken: Cancellation);
        var values = new List<int>();
        while (await count.ResponseStream.MoveNext(Cancellation).Within())
        {
            values.Add(count.ResponseStream.Current.Value);
        }

        Assert.Equal("Hello test over HTTP/2", reply.Message);
        Assert.Equal([1, 2, 3], values);
    }

    [Fact]
    public async Task AWebSocketEchoesThroughTheSameHandler()
    {
        await using var app = StartApp(out var transport);
        using var invoker = new HttpMessageInvoker(transport.CreateHandler());
        using var socket = new ClientWebSocket();

        await socket.ConnectAsync(new Uri($"ws://localhost:{HttpApp.Program.HttpPort}/ws"), invoker, Cancellation).Within();
        await socket.SendAsync("ping"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, Cancellation).Within();
        var buffer = new byte[16];
        var received = await socket.ReceiveAsync(buffer, Cancellation).Within();
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Cancellation).Within();

        Assert.Equal("ping", Encoding.UTF8.GetString(buffer, 0, received.Count));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task ServerSentEventsArriveOneByOneBeforeTheResponseEnds()
    {
        await using var app = StartApp(out _);
        using var client = app.CreateInMemoryKestrelClient();
        var gate = app.Services.GetRequiredService<EventGate>();

        using var response = await client.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead, Cancellation).Within();
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(Cancellation));

        // The server writes each next event only after the test has read the one before.
        var seen = new List<string>();
        for (var i = 1; i <= 3; i++)
        {
            seen.Add((await events.ReadLineAsync(Cancellation).AsTask().Within())!);
            Assert.Equal("", await events.ReadLineAsync(Cancellation).AsTask().Within());
            if (i < 3)
            {
                gate.Release();
            }
        }

        Assert.Equal(["data: 1", "data: 2", "data: 3"], seen);
        Assert.Null(await events.ReadLineAsync(Cancellation).AsTask().Within());
    }

    [Fact]
    public async Task AClientTimeoutReachesTheServersRequestAborted()
    {
        await using var app = StartApp(out _);
        using var client = app.CreateInMemoryKestrelClient();
        client.Timeout = TimeSpan.FromMilliseconds(200);

        // HttpClient gives up by disposing the connection's stream: the server must see it go.
        await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetStringAsync("/slow", Cancellation)).Within();

        Assert.Equal("/slow", await app.Services.GetRequiredService<AbortedRequests>().NextAsync(Cancellation).AsTask().Within());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task OneByteSegmentsBothWaysCarryRequestsAndResponses(int major)
    {
        await using var app = StartApp(out var transport);
        transport.ToServer = transport.ToClient = NetworkConditions.OneByteAtATime;
        using var client = transport.CreateClient(new Uri($"http://localhost:{(major == 2 ? HttpApp.Program.Http2Port : HttpApp.Program.HttpPort)}"));
        var body = RandomBytes(4096);

        using var response = await client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "/echo") { Content = new ByteArrayContent(body), Version = new Version(major, 0), VersionPolicy = HttpVersionPolicy.RequestVersionExact },
            Cancellation).Within();

        Assert.Equal(new Version(major, major == 1 ? 1 : 0), response.Version);
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync(Cancellation).Within());
    }

    [Fact]
    public async Task AResetInTheMiddleOfAResponseIsAnErrorNotAHang()
    {
        await using var app = StartApp(out var transport);
        transport.ToClient = new NetworkConditions { ResetAfterBytes = 1000 };
        using var client = transport.CreateClient();

        var failure = await Record.ExceptionAsync(async () =>
        {
            using var response = await client.PostAsync("/echo", new ByteArrayContent(RandomBytes(64 * 1024)), Cancellation).Within();
            await response.Content.ReadAsByteArrayAsync(Cancellation).Within();
        });

        Assert.True(failure is HttpRequestException or HttpIOException, $"got {failure?.GetType().Name ?? "no exception"}");
    }

    [Fact]
    public async Task AConnectToAnEndpointNobodyBoundFailsWithWhatIsBound()
    {
        await using var app = StartApp(out var transport);
        using var client = transport.CreateClient(new Uri("http://localhost:6000"));

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync("/", Cancellation)).Within();

        Assert.Equal(HttpRequestError.ConnectionError, failure.HttpRequestError);
        Assert.Contains("no listener on localhost:6000 in this in-memory transport; bound: 127.0.0.1:5080, [::1]:5080, 127.0.0.1:5081, [::1]:5081.", failure.Message, StringComparison.Ordinal);
    }

    private static WebApplicationFactory<HttpApp.Program> StartApp(out InMemoryTransport transport, Action<Microsoft.AspNetCore.Hosting.IWebHostBuilder>? configure = null)
    {
        transport = new InMemoryTransport();
        var factory = new WebApplicationFactory<HttpApp.Program>()
            .WithWebHostBuilder(web => configure?.Invoke(web))
            .WithInMemoryKestrel(transport);
        factory.StartServer();
        return factory;
    }

    private static HttpRequestMessage Http2Request(string path) =>
        new(HttpMethod.Get, path) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }
}
