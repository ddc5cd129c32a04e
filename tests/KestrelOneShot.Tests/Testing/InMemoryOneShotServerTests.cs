using System.Net;
using System.Text;

using KestrelOneShot.Testing.Hosting;

namespace KestrelOneShot.Tests.Testing;

public sealed class InMemoryOneShotServerTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ServersRunInParallelWithoutCompetingForPorts()
    {
        // Eight servers at once, all on the default port 9999: each transport is its own network.
        var runs = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            await using var server = await InMemoryOneShotServer.StartAsync(cancellationToken: Cancellation).Within();
            await using var client = await server.ConnectAsync(cancellationToken: Cancellation).Within();
            await client.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes($"server {i}\n"), Cancellation);
            return (Endpoint: server.EndPoints[0], Run: await server.Completion.Within());
        }));

        Assert.All(runs, r => Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9999), r.Endpoint));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"server {i}"), runs.Select(r => r.Run.Message));
        Assert.All(runs, r => Assert.Equal(0, r.Run.ExitCode));
    }

    [Fact]
    public async Task TheRunReportsItsLogLinesAsTheProgramWritesThem()
    {
        await using var server = await InMemoryOneShotServer.StartAsync(["--Logging:LogLevel:KestrelOneShot=Debug"], Cancellation).Within();
        await using (var probe = await server.ConnectAsync(cancellationToken: Cancellation).Within())
        {
            await probe.Transport.Output.CompleteAsync();
        }

        await using var client = await server.ConnectAsync(cancellationToken: Cancellation).Within();
        await client.Transport.Output.WriteAsync("hi"u8.ToArray(), Cancellation);
        var run = await server.Completion.Within();

        Assert.Contains("info: Listening on 127.0.0.1:9999, [::1]:9999", run.Logs);
        Assert.Contains(run.Logs, l => l.StartsWith("dbug: Health check ", StringComparison.Ordinal) && l.EndsWith(" closed without sending data", StringComparison.Ordinal));
        Assert.Contains(run.Logs, l => l.StartsWith("info: Served connection ", StringComparison.Ordinal));
        Assert.Equal("The message was: hi\n", run.Stdout);
    }

    [Fact]
    public async Task DisposingARunThatIsStillWaitingStopsIt()
    {
        var server = await InMemoryOneShotServer.StartAsync(cancellationToken: Cancellation).Within();

        await server.DisposeAsync().AsTask().Within();

        var run = await server.Completion;
        Assert.Equal(1, run.ExitCode); // Stopped before serving, by no signal the contract names.
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task EndPointsAreThoseOfTheReadyLineEvenAfterTheRunEnded()
    {
        await using var server = await InMemoryOneShotServer.StartAsync(["--port", "0"], Cancellation).Within();
        await using (var client = await server.ConnectAsync(cancellationToken: Cancellation).Within())
        {
            await client.Transport.Output.WriteAsync("hi"u8.ToArray(), Cancellation);
        }

        var run = await server.Completion.Within();

        // The run has unbound its listeners; what it listened on stays readable.
        Assert.Empty(server.Transport.BoundEndPoints);
        Assert.Equal(2, server.EndPoints.Count);
        Assert.Contains($"info: Listening on {string.Join(", ", server.EndPoints)}", run.Logs);
    }
}
