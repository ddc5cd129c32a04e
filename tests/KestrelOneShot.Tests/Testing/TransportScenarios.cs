using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;

using Microsoft.AspNetCore.Connections;

namespace KestrelOneShot.Tests.Testing;

/// <summary>
/// The transport's semantics as a client library and Kestrel rely on them, written once and run
/// over Kestrel's socket transport (<see cref="SocketTransportScenarios"/>) and ours
/// (<see cref="InMemoryTransportScenarios"/>): what passes on loopback sockets passes in memory.
/// </summary>
public abstract class TransportScenarios(ITransportWorld world) : IDisposable
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheClientsEndOfOutputIsTheServersEndOfInput()
    {
        var (listener, server, client) = await ConnectedPairAsync();
        await using var _ = listener;

        await client.Transport.Output.WriteAsync("abc"u8.ToArray(), Cancellation);
        await client.Transport.Output.CompleteAsync();

        Assert.Equal(("abc", true), await ReadToEndAsync(server.Transport.Input));
        await server.DisposeAsync();
        await client.DisposeAsync();
    }

    [Fact]
    public async Task TheServerClosingIsTheClientsEndOfStream()
    {
        var (listener, server, client) = await ConnectedPairAsync();
        await using var _ = listener;

        await server.Transport.Output.WriteAsync("bye"u8.ToArray(), Cancellation);
        await server.DisposeAsync();

        Assert.Equal(("bye", true), await ReadToEndAsync(client.Transport.Input));
        await server.ConnectionClosed.WhenCancelled().Within();
        await client.DisposeAsync();
    }

    [Fact]
    public async Task DisposingTheClientClosesTheConnectionAsASocketCloseWould()
    {
        var (listener, server, client) = await ConnectedPairAsync();
        await using var _ = listener;
        await client.Transport.Output.WriteAsync("last"u8.ToArray(), Cancellation);

        await client.DisposeAsync();

        Assert.Equal(("last", true), await ReadToEndAsync(server.Transport.Input));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task AnAbortEndsAPendingReadOnBothEnds()
    {
        var (listener, server, client) = await ConnectedPairAsync();
        await using var _ = listener;
        var serverRead = ReadEndsAsync(server.Transport.Input);
        var clientRead = ReadEndsAsync(client.Transport.Input);

        client.Abort();

        await serverRead.Within();
        await clientRead.Within();
        await server.DisposeAsync();
        await client.DisposeAsync();
    }

    [Fact]
    public async Task BothEndsKnowTheirLocalAndRemoteEndpoints()
    {
        var (listener, server, client) = await ConnectedPairAsync();
        await using var _ = listener;

        Assert.Equal(listener.EndPoint, server.LocalEndPoint);
        Assert.Equal(listener.EndPoint, client.RemoteEndPoint);
        Assert.Equal(client.LocalEndPoint, server.RemoteEndPoint);
        Assert.Equal(IPAddress.Loopback, Assert.IsType<IPEndPoint>(client.LocalEndPoint).Address);
        await server.DisposeAsync();
        await client.DisposeAsync();
    }

    [Fact]
    public async Task CarriesManyConnectionsAtOnce()
    {
        await using var listener = await world.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), Cancellation);
        var echo = Task.Run(async () =>
        {
            var served = new List<Task>();
            for (var i = 0; i < 200; i++)
            {
                var connection = (await listener.AcceptAsync(Cancellation))!;
                served.Add(Task.Run(async () =>
                {
                    var line = await ReadLineAsync(connection.Transport.Input);
                    await connection.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes(line.ToUpperInvariant()), Cancellation);
                    await connection.DisposeAsync();
                }, Cancellation));
            }

            await Task.WhenAll(served);
        }, Cancellation);

        var replies = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            await using var client = await world.ConnectAsync(listener.EndPoint, Cancellation).AsTask().Within();
            // No half-close here: Kestrel's socket connection closes both ways when its output completes.
            await client.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes($"client {i}\n"), Cancellation);
            return (await ReadToEndAsync(client.Transport.Input)).Text;
        }));
        await echo.Within();

        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"CLIENT {i}"), replies);
    }

    [Fact]
    public async Task ABoundEndpointIsInUseAndPortZeroPicksAPort()
    {
        await using var first = await world.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), Cancellation);

        await Assert.ThrowsAsync<AddressInUseException>(async () => await world.BindAsync(first.EndPoint, Cancellation));
        Assert.NotEqual(0, Assert.IsType<IPEndPoint>(first.EndPoint).Port);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("localhost")]
    public async Task ALoopbackOrLocalhostConnectReachesAListenerBoundOnAnyAddress(string host)
    {
        var port = FreePort.Find();
        await using var listener = await world.BindAsync(new IPEndPoint(IPAddress.IPv6Any, port), Cancellation);
        EndPoint dialled = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);

        var connecting = world.ConnectAsync(dialled, Cancellation).AsTask();
        var server = (await listener.AcceptAsync(Cancellation).AsTask().Within())!;
        await using var client = await connecting.Within();

        var local = Assert.IsType<IPEndPoint>(server.LocalEndPoint);
        Assert.Equal(port, local.Port);
        Assert.True(IPAddress.IsLoopback(local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address), $"{local} for {dialled}");
        await server.DisposeAsync();
    }

    [Fact]
    public async Task AConnectNobodyListensForIsRefused()
    {
        var refused = await Assert.ThrowsAsync<SocketException>(async () =>
            await world.ConnectAsync(new IPEndPoint(IPAddress.Loopback, FreePort.Find()), Cancellation));

        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task EachDirectionHoldsAMebibyteBeforeTheWriterWaits()
    {
        var (listener, server, client) = await ConnectedPairAsync();
        await using var _ = listener;

        // Nobody reads: an HTTP/1.1 client sends its whole body before it reads the response.
        await client.Transport.Output.WriteAsync(new byte[1024 * 1024], Cancellation).AsTask().Within();
        await server.Transport.Output.WriteAsync(new byte[1024 * 1024], Cancellation).AsTask().Within();

        await server.DisposeAsync();
        await client.DisposeAsync();
    }

    public void Dispose()
    {
        world.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task<(IConnectionListener Listener, ConnectionContext Server, ConnectionContext Client)> ConnectedPairAsync()
    {
        var listener = await world.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), Cancellation);
        var connecting = world.ConnectAsync(listener.EndPoint, Cancellation).AsTask();
        var server = (await listener.AcceptAsync(Cancellation).AsTask().Within())!;
        return (listener, server, await connecting.Within());
    }

    internal static async Task<(string Text, bool Completed)> ReadToEndAsync(PipeReader input)
    {
        while (true)
        {
            var result = await input.ReadAsync(Cancellation).AsTask().Within();
            if (result.IsCompleted)
            {
                var text = Encoding.ASCII.GetString(result.Buffer.ToArray());
                input.AdvanceTo(result.Buffer.End);
                return (text, true);
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static async Task<string> ReadLineAsync(PipeReader input)
    {
        while (true)
        {
            var result = await input.ReadAsync(Cancellation).AsTask().Within();
            if (result.Buffer.PositionOf((byte)'\n') is { } end)
            {
                var line = Encoding.ASCII.GetString(result.Buffer.Slice(0, end).ToArray());
                input.AdvanceTo(result.Buffer.GetPosition(1, end));
                return line;
            }

            Assert.False(result.IsCompleted, "the input ended before a line");
            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    // Ends by end of input or by an error (a reset or an abort); either way the reader is not left waiting.
    private static async Task ReadEndsAsync(PipeReader input)
    {
        try
        {
            await ReadToEndAsync(input);
        }
        catch (Exception failure) when (failure is ConnectionResetException or ConnectionAbortedException or IOException)
        {
        }
    }
}

public sealed class SocketTransportScenarios() : TransportScenarios(new SocketTransportWorld());

public sealed class InMemoryTransportScenarios() : TransportScenarios(new InMemoryTransportWorld());
