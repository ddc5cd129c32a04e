using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Connections;

namespace KestrelOneShot.Tests.Testing;

/// <summary>
/// What only the in-memory transport has or promises beyond a socket (the shared semantics are
/// <see cref="TransportScenarios"/>): an abort is a reset, refusals that name what is bound,
/// pending connects, the stream view, the buffer size.
/// </summary>
public sealed class InMemoryTransportTests
{
    private static readonly IPEndPoint Endpoint = new(IPAddress.Loopback, 9999);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnAbortIsAResetForThePeerAndAnAbortForItself()
    {
        var (_, server, client) = await ConnectedPairAsync();
        var pendingRead = server.Transport.Input.ReadAsync(Cancellation).AsTask();

        client.Abort();

        await Assert.ThrowsAsync<ConnectionResetException>(() => pendingRead.Within());
        await Assert.ThrowsAsync<ConnectionResetException>(async () => await server.Transport.Output.WriteAsync(new byte[1], Cancellation));
        await Assert.ThrowsAsync<ConnectionAbortedException>(async () => await client.Transport.Input.ReadAsync(Cancellation));
        await server.ConnectionClosed.WhenCancelled().Within();
        await client.ConnectionClosed.WhenCancelled().Within();
    }

    [Fact]
    public async Task StoppingTheListenerFailsEveryPendingConnectCleanly()
    {
        var transport = new InMemoryTransport();
        var listener = await transport.BindAsync(Endpoint, Cancellation);
        var connects = Enumerable.Range(0, 20).Select(_ => transport.ConnectInMemoryAsync(Endpoint, Cancellation).AsTask()).ToArray();

        await listener.UnbindAsync(Cancellation);

        foreach (var connect in connects)
        {
            var refused = await Assert.ThrowsAsync<SocketException>(() => connect.Within());
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }

        Assert.Null(await listener.AcceptAsync(Cancellation).AsTask().Within());
        await Assert.ThrowsAsync<SocketException>(() => transport.ConnectInMemoryAsync(Endpoint, Cancellation).AsTask());
        Assert.Empty(transport.BoundEndPoints);
    }

    [Fact]
    public async Task ListsWhatIsBound()
    {
        var transport = new InMemoryTransport();
        await using var first = await transport.BindAsync(Endpoint, Cancellation);
        await using var dynamic = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), Cancellation);
        Assert.Equal([Endpoint, dynamic.EndPoint], transport.BoundEndPoints.Order(Comparer<EndPoint>.Create((a, b) => ((IPEndPoint)a).Port.CompareTo(((IPEndPoint)b).Port))));
    }

    [Fact]
    public async Task OffersAStreamViewOfEitherEnd()
    {
        var (_, server, client) = await ConnectedPairAsync();
        await using var clientStream = client.AsStream();
        await using var serverStream = server.AsStream();

        await clientStream.WriteAsync("ping"u8.ToArray(), Cancellation);
        var buffer = new byte[4];
        await serverStream.ReadExactlyAsync(buffer, Cancellation).AsTask().Within();
        await serverStream.WriteAsync("pong"u8.ToArray(), Cancellation);
        await clientStream.ReadExactlyAsync(buffer, Cancellation).AsTask().Within();

        Assert.Equal("pong"u8.ToArray(), buffer);
    }

    [Fact]
    public async Task DisposingTheClientsStreamClosesTheConnectionAsASocketCloseWould()
    {
        var (_, server, client) = await ConnectedPairAsync();
        var stream = client.AsStream();
        await stream.WriteAsync("last"u8.ToArray(), Cancellation);

        await stream.DisposeAsync();

        Assert.Equal(("last", true), await ReadToEndAsync(server.Transport.Input));
        // A socket transport's lifetime ends when it reads the peer's FIN; Kestrel aborts requests on it.
        await server.ConnectionClosed.WhenCancelled().Within();
        await client.ConnectionClosed.WhenCancelled().Within();
    }

    [Fact]
    public async Task AConnectNobodyListensForIsRefusedNamingWhatIsBound()
    {
        var transport = new InMemoryTransport();
        await using var listener = await transport.BindAsync(Endpoint, Cancellation);

        var refused = await Assert.ThrowsAsync<SocketException>(async () => await transport.ConnectInMemoryAsync(new IPEndPoint(IPAddress.Loopback, 5000), Cancellation));

        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Equal("Connection refused: no listener on 127.0.0.1:5000 in this in-memory transport; bound: 127.0.0.1:9999.", refused.Message);
    }

    [Fact]
    public async Task TheBufferSizeIsTheTransports()
    {
        var transport = new InMemoryTransport { BufferSize = 1024 };
        await using var listener = await transport.BindAsync(Endpoint, Cancellation);
        var connecting = transport.ConnectInMemoryAsync(Endpoint, Cancellation).AsTask();
        var server = (await listener.AcceptAsync(Cancellation).AsTask().Within())!;
        var client = await connecting.Within();

        var flush = client.Transport.Output.WriteAsync(new byte[4096], Cancellation).AsTask();
        Assert.False(flush.IsCompleted, "a 4 KiB write into a 1 KiB buffer completed with nobody reading");
        var read = await server.Transport.Input.ReadAtLeastAsync(4096, Cancellation).AsTask().Within();
        server.Transport.Input.AdvanceTo(read.Buffer.End);
        await flush.Within();
    }

    private static async Task<(IConnectionListener Listener, InMemoryConnection Server, InMemoryConnection Client)> ConnectedPairAsync()
    {
        var transport = new InMemoryTransport();
        var listener = await transport.BindAsync(Endpoint, Cancellation);
        var connecting = transport.ConnectInMemoryAsync(Endpoint, Cancellation).AsTask();
        var server = Assert.IsType<InMemoryConnection>(await listener.AcceptAsync(Cancellation).AsTask().Within());
        return (listener, server, await connecting.Within());
    }

    private static Task<(string Text, bool Completed)> ReadToEndAsync(PipeReader input) => TransportScenarios.ReadToEndAsync(input);
}

internal static class CancellationTokenExtensions
{
    public static Task WhenCancelled(this CancellationToken token)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => cancelled.TrySetResult());
        return cancelled.Task;
    }
}
