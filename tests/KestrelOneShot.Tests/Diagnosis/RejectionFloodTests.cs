using System.Net;
using System.Text.Json;

using KestrelOneShot.InMemory;
using KestrelOneShot.ProxyProtocol;
using KestrelOneShot.Reporting;
using KestrelOneShot.Run;

namespace KestrelOneShot.Tests.Diagnosis;

/// <summary>
/// What a flood of bad first packets costs: the pipeline a PROXY endpoint runs, a million connections.
/// Alone in its collection, run with no other test at once: its heap figures are the whole process's.
/// </summary>
[Collection(nameof(RejectionFloodTests))]
public sealed class RejectionFloodTests
{
    private const int Connections = 1_000_000;

    [Fact]
    public async Task AMillionMutatedFirstPacketsAreEachCountedWithAReportOfAtMostAHundredEntries()
    {
        var harness = new HandlerHarness(o => o.ProxyProtocol = ProxyProtocolMode.Required, keepLogs: false);
        var client = new IPEndPoint(IPAddress.Parse("203.0.113.7"), 51000);
        var server = new IPEndPoint(IPAddress.Loopback, 9999);
        byte[][] shapes =
        [
            [.. ProxyHeaders.V1(client, server), .. "hello\n"u8],
            [.. ProxyHeaders.V2(client, server, new ProxyHeaderTlv(0x02, "route.test"u8.ToArray())), .. "hello\n"u8],
            await ClientHellos.CaptureAsync("route.test", ["h2", "http/1.1"]),
            "GET /health HTTP/1.1\r\nHost: route.test\r\n\r\n"u8.ToArray(),
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(),
        ];
        var random = new Random(20261203);
        long heapAfterWarmUp = 0;
        var flood = Task.Run(async () =>
        {
            for (var i = 0; i < Connections; i++)
            {
                var connection = new TestConnection();
                await connection.SendAsync(Mutations.Mutate(shapes[i % shapes.Length], random), endOutput: true);
                await harness.Serve(connection);
                if (i == Connections / 10)
                {
                    heapAfterWarmUp = GC.GetTotalMemory(forceFullCollection: true);
                }
            }
        }, TestContext.Current.CancellationToken);
        await flood.WaitAsync(TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);
        var heapAtEnd = GC.GetTotalMemory(forceFullCollection: true);

        // A mutation can leave a valid header and a message: that one is served, every other one recorded.
        var served = harness.Run.Outcome == RunOutcome.Served ? 1 : 0;
        Assert.Equal(Connections - served, harness.Run.Rejections.Count);
        var report = RunReport.Create(0, null, harness.Run, null, harness.Time, harness.Time.GetTimestamp(), harness.Time.GetTimestamp());
        using var json = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(report, RunReportJsonContext.Default.RunReport));
        Assert.Equal(RejectionLog.MaxEntries, json.RootElement.GetProperty("rejected").GetArrayLength());
        Assert.Equal(Connections - served, json.RootElement.GetProperty("rejectedCount").GetInt32());
        // Nine tenths of the flood after the warm-up add no more than the bounded log could hold.
        Assert.True(heapAtEnd - heapAfterWarmUp < 16 * 1024 * 1024, $"the heap grew by {(heapAtEnd - heapAfterWarmUp) / 1024} KiB over {Connections * 9 / 10} connections");
    }
}

[CollectionDefinition(nameof(RejectionFloodTests), DisableParallelization = true)]
public sealed class RejectionFloodRunsAlone;
