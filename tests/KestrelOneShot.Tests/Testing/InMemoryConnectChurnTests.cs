using System.Net;

using KestrelOneShot.InMemory;

namespace KestrelOneShot.Tests.Testing;

/// <summary>
/// Many short connections over the in-memory transport, as a test suite makes them: more than the
/// ephemeral range's 16,384 client ports, each connect given the same long-lived token (a test's
/// own). Alone in its collection: its heap figures are the whole process's.
/// </summary>
[Collection(nameof(InMemoryConnectChurnTests))]
public sealed class InMemoryConnectChurnTests
{
    private const int Connections = 40_000;

    [Fact]
    public async Task ConnectsHoldNothingOnceDoneAndClientPortsWrapAroundTheEphemeralRange()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var transport = new InMemoryTransport();
        await using var listener = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 9999), cancellation);
        var accepting = Task.Run(async () =>
        {
            for (var i = 0; i < Connections; i++)
            {
                await using var accepted = await listener.AcceptAsync(cancellation);
            }
        }, cancellation);

        long heapAfterWarmUp = 0;
        var ports = new HashSet<int>();
        for (var i = 0; i < Connections; i++)
        {
            // Before the fix, the connect's registration on this token kept every connection alive.
            await using var client = await transport.ConnectInMemoryAsync(listener.EndPoint, cancellation).AsTask().Within();
            ports.Add(((IPEndPoint)client.LocalEndPoint!).Port);
            if (i == Connections / 10)
            {
                heapAfterWarmUp = GC.GetTotalMemory(forceFullCollection: true);
            }
        }

        await accepting.Within();
        var heapAtEnd = GC.GetTotalMemory(forceFullCollection: true);

        Assert.Equal(65536 - 49152, ports.Count);
        Assert.InRange(ports.Min(), 49152, 65535);
        Assert.InRange(ports.Max(), 49152, 65535);
        Assert.True(heapAtEnd - heapAfterWarmUp < 8 * 1024 * 1024, $"the heap grew by {(heapAtEnd - heapAfterWarmUp) / 1024} KiB over {Connections * 9 / 10} connections");
    }
}

[CollectionDefinition(nameof(InMemoryConnectChurnTests), DisableParallelization = true)]
public sealed class InMemoryConnectChurnRunsAlone;
