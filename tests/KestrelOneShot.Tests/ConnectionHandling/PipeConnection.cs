using System.Buffers;
using System.IO.Pipelines;
using System.Net;

using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace KestrelOneShot.Tests.ConnectionHandling;

/// <summary>
/// A server-side <see cref="ConnectionContext"/> over two pipes, with the client's ends exposed:
/// what the handler sees of a TCP connection, without a socket.
/// </summary>
internal sealed class PipeConnection : IConnectionLifetimeNotificationFeature
{
    private static int s_next;
    private readonly CancellationTokenSource _closeRequested = new();

    public PipeConnection(PipeOptions? options = null)
    {
        var toServer = new Pipe(options ?? PipeOptions.Default);
        var toClient = new Pipe(options ?? PipeOptions.Default);
        ClientOutput = toServer.Writer;
        ClientInput = toClient.Reader;
        var id = Interlocked.Increment(ref s_next);
        Context = new DefaultConnectionContext($"test-{id}", new Duplex(toServer.Reader, toClient.Writer), new Duplex(toClient.Reader, toServer.Writer))
        {
            RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 40000 + id),
            LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 9999),
        };
        Context.Features.Set<IConnectionLifetimeNotificationFeature>(this);
    }

    public DefaultConnectionContext Context { get; }

    /// <summary>What the client sends; completing it is the client's end of input.</summary>
    public PipeWriter ClientOutput { get; }

    /// <summary>What the server answers.</summary>
    public PipeReader ClientInput { get; }

    public CancellationToken ConnectionClosedRequested
    {
        get => _closeRequested.Token;
        set => throw new NotSupportedException();
    }

    public void RequestClose() => _closeRequested.Cancel();

    /// <summary>Everything the server has written so far (the handler has returned).</summary>
    public byte[] Answer()
    {
        if (!ClientInput.TryRead(out var result))
        {
            return [];
        }

        var bytes = result.Buffer.ToArray();
        ClientInput.AdvanceTo(result.Buffer.End);
        return bytes;
    }

    public async Task SendAsync(byte[] bytes, bool complete = false)
    {
        await ClientOutput.WriteAsync(bytes, TestContext.Current.CancellationToken);
        if (complete)
        {
            await ClientOutput.CompleteAsync();
        }
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
