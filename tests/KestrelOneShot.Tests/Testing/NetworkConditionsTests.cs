using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;

using KestrelOneShot.InMemory;
using KestrelOneShot.Testing.Hosting;

using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Time.Testing;

namespace KestrelOneShot.Tests.Testing;

/// <summary>The kit's network conditions, on a bare connection pair and on the product in memory.</summary>
public sealed class NetworkConditionsTests
{
    private static readonly IPEndPoint Server = IPEndPoint.Parse("127.0.0.1:9999");
    private static readonly IPEndPoint Client = IPEndPoint.Parse("203.0.113.7:51000");

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OneByteAtATimeShowsEachReadOneNewByte()
    {
        var (server, client) = InMemoryConnection.CreatePair(Server, Client, toServer: NetworkConditions.OneByteAtATime);
        await client.Transport.Output.WriteAsync("hello"u8.ToArray(), Cancellation);

        var seen = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var result = await server.Transport.Input.ReadAsync(Cancellation).AsTask().Within();
            seen.Add(Encoding.ASCII.GetString(result.Buffer));
            // Look at everything and take nothing: the next read still shows one byte more.
            server.Transport.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }

        Assert.Equal(["h", "he", "hel", "hell", "hello"], seen);
    }

    [Fact]
    public async Task ASegmentDelayWaitsOnTheGivenClock()
    {
        var time = new FakeTimeProvider();
        var (server, client) = InMemoryConnection.CreatePair(Server, Client, toServer: new NetworkConditions { MaxSegmentSize = 2, SegmentDelay = TimeSpan.FromSeconds(1), TimeProvider = time });
        await client.Transport.Output.WriteAsync("abcd"u8.ToArray(), Cancellation);

        var first = await server.Transport.Input.ReadAsync(Cancellation).AsTask().Within();
        Assert.Equal("ab", Encoding.ASCII.GetString(first.Buffer));
        server.Transport.Input.AdvanceTo(first.Buffer.End);
        var second = server.Transport.Input.ReadAsync(Cancellation).AsTask();
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("cd", Encoding.ASCII.GetString((await second.Within()).Buffer));
    }

    [Fact]
    public async Task AResetAfterNBytesDeliversThemAndThenResetsBothEnds()
    {
        var (server, client) = InMemoryConnection.CreatePair(Server, Client, toServer: new NetworkConditions { ResetAfterBytes = 3 });
        await client.Transport.Output.WriteAsync("abcdef"u8.ToArray(), Cancellation);

        var result = await server.Transport.Input.ReadAsync(Cancellation).AsTask().Within();
        Assert.Equal("abc", Encoding.ASCII.GetString(result.Buffer));
        server.Transport.Input.AdvanceTo(result.Buffer.End);

        await Assert.ThrowsAsync<ConnectionResetException>(() => server.Transport.Input.ReadAsync(Cancellation).AsTask());
        await Assert.ThrowsAsync<ConnectionResetException>(() => client.Transport.Output.WriteAsync("g"u8.ToArray(), Cancellation).AsTask());
    }

    [Fact]
    public async Task OneByteAtATimeTheMessageIsTheFirstByteAndTheAnswerStillArrivesWhole()
    {
        // The contract: the message is the connection's first read. A network that delivers one byte
        // per read makes that one byte; the rest is read and dropped so the answer arrives whole.
        await using var server = await InMemoryOneShotServer.StartAsync([], Cancellation).Within();
        await using var client = await server.ConnectAsync(null, NetworkConditions.OneByteAtATime, NetworkConditions.OneByteAtATime, Cancellation).Within();

        await client.Transport.Output.WriteAsync("Who is there?\n"u8.ToArray(), Cancellation);
        await client.Transport.Output.CompleteAsync();
        var answer = await ReadToEndAsync(client);
        var run = await server.Completion.Within();

        Assert.Equal("Good talking to you\n", answer);
        Assert.Equal("W", run.Message);
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task APROXYHeaderArrivingOneByteAtATimeIsReadWhole()
    {
        await using var server = await InMemoryOneShotServer.StartAsync(["--proxy-protocol", "required"], Cancellation).Within();
        await using var client = await server.ConnectAsync(null, NetworkConditions.OneByteAtATime, null, Cancellation).Within();

        await client.Transport.Output.WriteAsync((byte[])[.. ProxyHeaders.V2(Client, Server), .. "Who is there?\n"u8], Cancellation);
        var answer = await ReadToEndAsync(client);
        var run = await server.Completion.Within();

        Assert.Equal("Good talking to you\n", answer);
        Assert.Equal("W", run.Message);
        Assert.Contains(run.Logs, l => l.Contains($"from {Client} via proxy ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task AResetAtEveryOffsetOfAPROXYHeaderNeverTakesTheShot(int version)
    {
        var header = version == 1 ? ProxyHeaders.V1(Client, Server) : ProxyHeaders.V2(Client, Server);
        var report = Path.Combine(Path.GetTempPath(), $"oneshot-resets-{Guid.NewGuid():N}.json");
        try
        {
            await using var server = await InMemoryOneShotServer.StartAsync(["--proxy-protocol", "required", "--report", report], Cancellation).Within();
            for (var offset = 0; offset <= header.Length; offset++)
            {
                await using var cut = await server.ConnectAsync(null, new NetworkConditions { ResetAfterBytes = offset }, null, Cancellation).Within();
                try
                {
                    await cut.Transport.Output.WriteAsync((byte[])[.. header, .. "lost\n"u8], Cancellation);
                }
                catch (ConnectionResetException)
                {
                    // The reset may come before the write: the server reads as soon as it accepts.
                }

                Assert.Equal("", await ReadToEndAsync(cut));
            }

            await using var client = await server.ConnectAsync(cancellationToken: Cancellation).Within();
            await client.Transport.Output.WriteAsync((byte[])[.. header, .. "whole\n"u8], Cancellation);
            var answer = await ReadToEndAsync(client);
            var run = await server.Completion.Within();

            Assert.Equal("Good talking to you\n", answer);
            Assert.Equal("whole", run.Message);
            // Before any byte, and right after a whole header: probes. Inside the header: rejected, one warning each.
            using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(report, Cancellation));
            Assert.Equal(2, json.RootElement.GetProperty("probes").GetInt32());
            Assert.Contains(run.Logs, l => l.StartsWith("warn: Connection ", StringComparison.Ordinal) && l.Contains("reset inside the PROXY header", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(report);
        }
    }

    [Fact]
    public async Task AConnectThatIsNeverAcceptedNeitherCompletesNorTakesTheShotAndIsRefusedAtTheEnd()
    {
        await using var server = await InMemoryOneShotServer.StartAsync(["--wait-timeout", "300ms"], Cancellation).Within();
        server.Transport.AcceptsConnections = false;

        var connect = server.ConnectAsync(cancellationToken: Cancellation);
        var run = await server.Completion.Within();

        Assert.Equal(4, run.ExitCode);
        var refused = await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => connect.Within());
        Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task AHeldConnectIsAcceptedOnceTheTransportAcceptsAgain()
    {
        await using var server = await InMemoryOneShotServer.StartAsync([], Cancellation).Within();
        server.Transport.AcceptsConnections = false;

        var connect = server.ConnectAsync(cancellationToken: Cancellation);
        Assert.False(connect.IsCompleted);
        server.Transport.AcceptsConnections = true;
        await using var client = await connect.Within();
        await client.Transport.Output.WriteAsync("late but served\n"u8.ToArray(), Cancellation);

        Assert.Equal("Good talking to you\n", await ReadToEndAsync(client));
        Assert.Equal("late but served", (await server.Completion.Within()).Message);
    }

    /// <summary>Everything the server sends until it closes; a reset ends it too (with what came before).</summary>
    private static async Task<string> ReadToEndAsync(InMemoryConnection connection)
    {
        var received = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                var result = await connection.Transport.Input.ReadAsync(Cancellation).AsTask().Within();
                foreach (var segment in result.Buffer)
                {
                    received.Write(segment.Span);
                }

                connection.Transport.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (ConnectionResetException)
        {
        }

        return Encoding.UTF8.GetString(received.WrittenSpan);
    }
}
