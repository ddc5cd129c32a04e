using System.Net;
using System.Text;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace KestrelOneShot.Tests.Testing;

/// <summary>
/// The kit with somebody else's Kestrel app (samples/LineProtocolApp): WebApplicationFactory with
/// Kestrel kept, TestHost's ConfigureTestServices swapping in the transport, no socket bound.
/// </summary>
public sealed class AnyKestrelAppTests
{
    private static readonly IPEndPoint AppEndPoint = new(IPAddress.Loopback, 5123);

    [Fact]
    public async Task TheAppIsServedInMemoryAndBindsNoSocket()
    {
        var transport = new InMemoryTransport();
        await using var factory = Factory(transport);

        await using var client = await transport.ConnectInMemoryAsync(AppEndPoint, TestContext.Current.CancellationToken).AsTask().Within();
        var answer = await ExchangeAsync(client, "first\nsecond\n", "FIRST\nSECOND\n");

        Assert.Equal("FIRST\nSECOND\n", answer);
        Assert.Contains(AppEndPoint, transport.BoundEndPoints);
        Assert.Contains(new IPEndPoint(IPAddress.IPv6Loopback, 5123), transport.BoundEndPoints);
        Assert.False(SocketTable.Has(5123, SocketTable.Listen), "a socket listens on port 5123");
    }

    [Fact]
    public async Task TwoCopiesOfTheAppOnTheSamePortRunSideBySide()
    {
        var (first, second) = (new InMemoryTransport(), new InMemoryTransport());
        await using var one = Factory(first);
        await using var two = Factory(second);

        await using var a = await first.ConnectInMemoryAsync(AppEndPoint, TestContext.Current.CancellationToken).AsTask().Within();
        await using var b = await second.ConnectInMemoryAsync(AppEndPoint, TestContext.Current.CancellationToken).AsTask().Within();

        Assert.Equal("ONE\n", await ExchangeAsync(a, "one\n", "ONE\n"));
        Assert.Equal("TWO\n", await ExchangeAsync(b, "two\n", "TWO\n"));
    }

    private static WebApplicationFactory<global::Program> Factory(InMemoryTransport transport)
    {
        var factory = new WebApplicationFactory<global::Program>()
            .WithWebHostBuilder(web => web.ConfigureTestServices(services => services.AddInMemoryTransport(transport)));
        factory.UseKestrel();
        factory.StartServer();
        return factory;
    }

    private static async Task<string> ExchangeAsync(InMemoryConnection client, string lines, string expected)
    {
        await client.Transport.Output.WriteAsync(Encoding.UTF8.GetBytes(lines), TestContext.Current.CancellationToken);
        var answer = await client.Transport.Input.ReadAtLeastAsync(Encoding.UTF8.GetByteCount(expected), TestContext.Current.CancellationToken).AsTask().Within();
        var text = Encoding.UTF8.GetString(answer.Buffer);
        client.Transport.Input.AdvanceTo(answer.Buffer.End);
        return text;
    }
}
