using System.Net;
using System.Net.Sockets;
using System.Text;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Time.Testing;

namespace KestrelOneShot.Tests.Network;

/// <summary>
/// Faults on one link of a network (the test to a host named "server"), set and healed while the
/// connection is open, every wait on a FakeTimeProvider: nothing here waits in real time.
/// </summary>
public sealed class LinkFaultTests : IAsyncDisposable
{
    private readonly InMemoryTransport _network = new();
    private readonly InMemoryHost _server;
    private readonly InMemoryLink _link;
    private IConnectionListener? _listener;

    public LinkFaultTests()
    {
        _server = _network.AddHost("server");
        _link = _network.Link(from: null, _server);
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AStallHoldsTheBytesAfterNUntilTheLinkHeals()
    {
        _link.ToServer = new NetworkConditions { StallAfterBytes = 3 };
        var (server, client) = await ConnectAsync();
        await client.Transport.Output.WriteAsync("abcdef"u8.ToArray(), Cancellation);

        Assert.Equal("abc", await ReadAndTakeAsync(server));
        var held = server.Transport.Input.ReadAsync(Cancellation).AsTask();
        Assert.False(held.IsCompleted);
        _link.Heal();

        Assert.Equal("def", Encoding.ASCII.GetString((await held.Within()).Buffer));
    }

    [Fact]
    public async Task AStalledReadEndsWithTheResetOfItsConnection()
    {
        _link.ToServer = new NetworkConditions { StallAfterBytes = 0 };
        var (server, client) = await ConnectAsync();
        await client.Transport.Output.WriteAsync("abc"u8.ToArray(), Cancellation);

        var held = server.Transport.Input.ReadAsync(Cancellation).AsTask();
        Assert.False(held.IsCompleted);
        client.Abort(new ConnectionAbortedException("the client gave up"));

        await Assert.ThrowsAsync<ConnectionResetException>(() => held.Within());
    }

    [Fact]
    public async Task AStallAtZeroAcceptsTheConnectionAndNeverReadsIt()
    {
        _link.ToServer = new NetworkConditions { StallAfterBytes = 0 };

        // The connect completes: the server accepted it.
        var (server, client) = await ConnectAsync();
        await client.Transport.Output.WriteAsync("anyone?"u8.ToArray(), Cancellation);
        var read = server.Transport.Input.ReadAsync(Cancellation).AsTask();

        Assert.False(read.IsCompleted);
        server.Transport.Input.CancelPendingRead();
        Assert.True((await read.Within()).IsCanceled);
    }

    [Fact]
    public async Task ACloseAfterNBytesEndsTheReceiversInputThere()
    {
        _link.ToClient = new NetworkConditions { CloseAfterBytes = 4 };
        var (server, client) = await ConnectAsync();
        await server.Transport.Output.WriteAsync("abcdefgh"u8.ToArray(), Cancellation);

        var result = await client.Transport.Input.ReadAsync(Cancellation).AsTask().Within();

        Assert.Equal("abcd", Encoding.ASCII.GetString(result.Buffer));
        Assert.True(result.IsCompleted);
    }

    [Fact]
    public async Task LatencyAndBandwidthDelayBytesOnTheGivenClock()
    {
        var time = new FakeTimeProvider();
        // 100 ms to arrive, then 5 bytes at 10 bytes per second: readable 600 ms after they were sent.
        _link.ToServer = new NetworkConditions { Latency = TimeSpan.FromMilliseconds(100), BytesPerSecond = 10, TimeProvider = time };
        var (server, client) = await ConnectAsync();
        await client.Transport.Output.WriteAsync("hello"u8.ToArray(), Cancellation);

        var read = server.Transport.Input.ReadAsync(Cancellation).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(599));
        Assert.False(read.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal("hello", Encoding.ASCII.GetString((await read.Within()).Buffer));
    }

    [Fact]
    public async Task APartitionedLinkRefusesConnectsUntilItHeals()
    {
        _listener = await _server.BindAsync(new IPEndPoint(IPAddress.Any, 80), Cancellation);
        _link.RefusesConnections = true;

        var refused = await Assert.ThrowsAsync<SocketException>(() => _network.ConnectInMemoryAsync(new DnsEndPoint("server", 80), Cancellation).AsTask()).Within();
        // Another link to the same host is not partitioned.
        var other = _network.AddHost("other");
        var fromOther = other.ConnectInMemoryAsync(new DnsEndPoint("server", 80), Cancellation).AsTask();
        await using var accepted = await _listener.AcceptAsync(Cancellation).AsTask().Within();
        await using var otherClient = await fromOther.Within();
        _link.Heal();
        var healed = _network.ConnectInMemoryAsync(new DnsEndPoint("server", 80), Cancellation).AsTask();
        await using var acceptedAfter = await _listener.AcceptAsync(Cancellation).AsTask().Within();

        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Equal("Connection refused: the link test -> server is partitioned (RefusesConnections).", refused.Message);
        Assert.Equal(other.Address, ((IPEndPoint)accepted!.RemoteEndPoint!).Address);
        await using var _ = await healed.Within();
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener is not null)
        {
            await _listener.DisposeAsync();
        }
    }

    /// <summary>A connection from the test to the host, accepted.</summary>
    private async Task<(ConnectionContext Server, InMemoryConnection Client)> ConnectAsync()
    {
        _listener ??= await _server.BindAsync(new IPEndPoint(IPAddress.Any, 80), Cancellation);
        var connecting = _network.ConnectInMemoryAsync(new DnsEndPoint("server", 80), Cancellation).AsTask();
        var server = await _listener.AcceptAsync(Cancellation).AsTask().Within();
        return (server!, await connecting.Within());
    }

    private static async Task<string> ReadAndTakeAsync(ConnectionContext connection)
    {
        var result = await connection.Transport.Input.ReadAsync(Cancellation).AsTask().Within();
        var text = Encoding.ASCII.GetString(result.Buffer);
        connection.Transport.Input.AdvanceTo(result.Buffer.End);
        return text;
    }
}
