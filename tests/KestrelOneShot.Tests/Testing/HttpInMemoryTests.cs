using System.Net;

using KestrelOneShot.InMemory;

namespace KestrelOneShot.Tests.Testing;

/// <summary>
/// What only the in-memory world has, against samples/HttpApp (the clients' behaviours are
/// <see cref="HttpAppScenarios"/>, in both worlds): no socket bound, errors that say why, network
/// conditions under HTTP.
/// </summary>
public sealed class HttpInMemoryTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NoSocketIsBound()
    {
        await using var app = new InMemoryHttpApp();
        using var client = app.Factory.CreateInMemoryKestrelClient();

        Assert.Equal("hello", await client.GetStringAsync("/hello", Cancellation).Within());

        foreach (var port in new[] { HttpApp.Program.HttpPort, HttpApp.Program.Http2Port })
        {
            Assert.False(SocketTable.Has(port, SocketTable.Listen), $"a socket listens on port {port}");
        }
    }

    [Fact]
    public async Task Http2WithPriorKnowledgeOnACleartextHttp1AndHttp2EndpointFailsSayingWhy()
    {
        await using var app = new InMemoryHttpApp();
        using var client = app.Factory.CreateInMemoryKestrelClient();

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(Http2Request("/hello"), Cancellation).Within());

        Assert.Contains("HTTP/2 with prior knowledge to http://localhost:5080 failed", failure.Message, StringComparison.Ordinal);
        Assert.Contains("only on an endpoint whose Protocols is Http2; an Http1AndHttp2 endpoint offers HTTP/2 only through TLS with ALPN", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task OneByteSegmentsBothWaysCarryRequestsAndResponses(int major)
    {
        await using var app = new InMemoryHttpApp();
        var transport = app.Transport;
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
        await using var app = new InMemoryHttpApp();
        var transport = app.Transport;
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
        await using var app = new InMemoryHttpApp();
        var transport = app.Transport;
        using var client = transport.CreateClient(new Uri("http://localhost:6000"));

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync("/", Cancellation)).Within();

        Assert.Equal(HttpRequestError.ConnectionError, failure.HttpRequestError);
        Assert.Contains("no listener on localhost:6000 in this in-memory transport; bound: 127.0.0.1:5080, [::1]:5080, 127.0.0.1:5081, [::1]:5081.", failure.Message, StringComparison.Ordinal);
    }

    private static HttpRequestMessage Http2Request(string path) =>
        new(HttpMethod.Get, path) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    private static byte[] RandomBytes(int count) => HttpAppScenarios.RandomBytes(count);
}
