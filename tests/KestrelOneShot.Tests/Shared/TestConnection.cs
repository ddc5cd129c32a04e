using System.Buffers;
using System.IO.Pipelines;
using System.Net;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Connections.Features;

namespace KestrelOneShot.Tests;

/// <summary>
/// A connection as Kestrel hands it to middleware and handlers, from the kit's
/// <see cref="InMemoryConnection.CreatePair"/>, with Kestrel's "please close" feature on the server's end.
/// </summary>
internal sealed class TestConnection : IConnectionLifetimeNotificationFeature
{
    private static int s_next;
    private readonly CancellationTokenSource _closeRequested = new();

    public TestConnection(PipeOptions? options = null)
    {
        var id = Interlocked.Increment(ref s_next);
        (Server, Client) = InMemoryConnection.CreatePair(new IPEndPoint(IPAddress.Loopback, 9999), new IPEndPoint(IPAddress.Loopback, 40000 + (id % 25000)), options);
        Server.Features.Set<IConnectionLifetimeNotificationFeature>(this);
    }

    /// <summary>The end the code under test gets.</summary>
    public InMemoryConnection Server { get; }

    /// <summary>The test's end.</summary>
    public InMemoryConnection Client { get; }

    public CancellationToken ConnectionClosedRequested
    {
        get => _closeRequested.Token;
        set => throw new NotSupportedException();
    }

    /// <summary>What Kestrel does to every connection when the host stops.</summary>
    public void RequestClose() => _closeRequested.Cancel();

    /// <summary>Sends <paramref name="bytes"/>, then (with <paramref name="endOutput"/>) ends the client's output.</summary>
    public async Task SendAsync(byte[] bytes, bool endOutput = false)
    {
        await Client.Transport.Output.WriteAsync(bytes, TestContext.Current.CancellationToken);
        if (endOutput)
        {
            await Client.Transport.Output.CompleteAsync();
        }
    }

    /// <summary>Everything the server has written so far (call once the code under test has returned).</summary>
    public byte[] Answer()
    {
        if (!Client.Transport.Input.TryRead(out var result))
        {
            return [];
        }

        var bytes = result.Buffer.ToArray();
        Client.Transport.Input.AdvanceTo(result.Buffer.End);
        return bytes;
    }
}
