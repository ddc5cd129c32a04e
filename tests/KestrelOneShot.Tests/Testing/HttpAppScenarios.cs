using System.Net;
using System.Net.WebSockets;
using System.Text;

using Grpc.Net.Client;

using HttpApp;
using HttpApp.Grpc;

using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace KestrelOneShot.Tests.Testing;

/// <summary>
/// What real clients (<see cref="HttpClient"/>, <see cref="ClientWebSocket"/>, gRPC) do against
/// samples/HttpApp's real Kestrel, written once and run on loopback sockets
/// (<see cref="SocketHttpAppScenarios"/>) and in memory (<see cref="InMemoryHttpAppScenarios"/>):
/// the in-memory transport passes wherever sockets do.
/// </summary>
public abstract class HttpAppScenarios(IHttpAppWorld world)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Http11GetReusesItsConnection()
    {
        await using var app = world.Start();
        using var client = app.CreateClient();

        var first = await client.GetStringAsync("/connection", Cancellation).Within();
        var second = await client.GetStringAsync("/connection", Cancellation).Within();

        Assert.Equal(app.Http, client.BaseAddress);
        var (remote, local) = Endpoints(first, "HTTP/1.1 http");
        Assert.True(IPAddress.IsLoopback(remote.Address), first);
        Assert.Equal(remote.Address, local.Address);
        Assert.Equal(app.Http.Port, local.Port);
        Assert.Equal(first, second); // the same remote port: one connection for both requests
    }

    [Fact]
    public async Task AOneMebibytePostIsEchoedWhole()
    {
        await using var app = world.Start();
        using var client = app.CreateClient();
        var body = RandomBytes(1024 * 1024);

        using var response = await client.PostAsync("/echo", new ByteArrayContent(body), Cancellation).Within();

        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync(Cancellation).Within());
    }

    [Fact]
    public async Task FiftyConcurrentRequestsAreAllAnswered()
    {
        await using var app = world.Start();
        using var client = app.CreateClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.GetStringAsync("/hello", Cancellation))).Within();

        Assert.All(answers, answer => Assert.Equal("hello", answer));
    }

    [Fact]
    public async Task Http2WithPriorKnowledgeOnAnHttp2OnlyEndpoint()
    {
        await using var app = world.Start();
        using var client = app.CreateClient(app.Http2);

        using var response = await client.SendAsync(Http2Request("/connection"), Cancellation).Within();

        Assert.Equal(HttpVersion.Version20, response.Version);
        Endpoints(await response.Content.ReadAsStringAsync(Cancellation), "HTTP/2 http");
    }

    [Fact]
    public async Task Http2WithPriorKnowledgeOnACleartextHttp1AndHttp2EndpointFails()
    {
        await using var app = world.Start();
        using var client = app.CreateClient();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(Http2Request("/hello"), Cancellation).Within());
    }

    [Fact]
    public async Task HttpsNegotiatesHttp2ByAlpnWithACertificateMadeByTheTest()
    {
        var certificates = TestCertificates.Shared;
        await using var app = world.Start(web => web
            .UseSetting("Https:CertificatePath", certificates.ServerEcPem)
            .UseSetting("Https:KeyPath", certificates.ServerEcPkcs8Key));
        using var client = app.CreateClient(app.Https, certificates.Ca);

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/connection") { Version = HttpVersion.Version20 }, Cancellation).Within();

        Assert.Equal(HttpVersion.Version20, response.Version);
        Endpoints(await response.Content.ReadAsStringAsync(Cancellation), "HTTP/2 https");
    }

    [Fact]
    public async Task GrpcUnaryAndServerStreamingCalls()
    {
        await using var app = world.Start();
        using var channel = GrpcChannel.ForAddress(app.Http2, new GrpcChannelOptions { HttpHandler = app.CreateHandler() });
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
        await using var app = world.Start();
        using var invoker = new HttpMessageInvoker(app.CreateHandler());
        using var socket = new ClientWebSocket();

        await socket.ConnectAsync(new Uri(app.Http, "/ws").WithScheme("ws"), invoker, Cancellation).Within();
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
        await using var app = world.Start();
        using var client = app.CreateClient();
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
        await using var app = world.Start();
        using var client = app.CreateClient();
        client.Timeout = TimeSpan.FromMilliseconds(200);

        // HttpClient gives up by disposing the connection's stream: the server must see it go.
        await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetStringAsync("/slow", Cancellation)).Within();

        Assert.Equal("/slow", await app.Services.GetRequiredService<AbortedRequests>().NextAsync(Cancellation).AsTask().Within());
    }

    [Fact]
    public async Task AConnectToAnEndpointNobodyBoundIsAConnectionError()
    {
        await using var app = world.Start();
        using var client = app.CreateClient(new Uri($"http://localhost:{FreePort.Find()}"));

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync("/", Cancellation)).Within();

        Assert.Equal(HttpRequestError.ConnectionError, failure.HttpRequestError);
    }

    [Fact]
    public async Task ConnectionsWhoseClientsWentAwayLeaveNoApplicationNeverCompletedAtDisposal()
    {
        using var logs = new FakeLoggerProvider();
        var app = world.Start(web => web.ConfigureLogging(logging => logging.AddProvider(logs)));
        using (var client = app.CreateClient())
        {
            await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetStringAsync("/hello", Cancellation))).Within();
            using var givingUp = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
            givingUp.CancelAfter(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetStringAsync("/slow", givingUp.Token)).Within();
        }

        await app.DisposeAsync().AsTask().Within();

        // Kestrel logs "application never completed" (critical) for each connection still open when it gives up waiting.
        var critical = logs.Collector.GetSnapshot().Where(log => log.Level == LogLevel.Critical).Select(log => $"{log.Category}: {log.Message}");
        Assert.Empty(critical);
    }

    private static (IPEndPoint Remote, IPEndPoint Local) Endpoints(string answer, string protocolAndScheme)
    {
        // "<protocol> <scheme> remote=<address>:<port> local=<address>:<port>"
        Assert.StartsWith(protocolAndScheme + " remote=", answer, StringComparison.Ordinal);
        var parts = answer[(protocolAndScheme.Length + 1)..].Split(' ');
        return (Parse(parts[0], "remote="), Parse(parts[1], "local="));

        static IPEndPoint Parse(string part, string prefix)
        {
            var text = part[prefix.Length..];
            var colon = text.LastIndexOf(':');
            return new IPEndPoint(IPAddress.Parse(text[..colon]), int.Parse(text[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static HttpRequestMessage Http2Request(string path) =>
        new(HttpMethod.Get, path) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    internal static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }
}

public sealed class SocketHttpAppScenarios() : HttpAppScenarios(new SocketHttpAppWorld());

public sealed class InMemoryHttpAppScenarios() : HttpAppScenarios(new InMemoryHttpAppWorld());

internal static class UriSchemeExtensions
{
    public static Uri WithScheme(this Uri uri, string scheme) => new UriBuilder(uri) { Scheme = scheme }.Uri;
}
