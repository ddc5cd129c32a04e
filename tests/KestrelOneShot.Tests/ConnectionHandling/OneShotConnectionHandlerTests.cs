using System.IO.Pipelines;
using System.Text;

using KestrelOneShot.ConnectionHandling;
using KestrelOneShot.Hosting;

namespace KestrelOneShot.Tests.ConnectionHandling;

public sealed class OneShotConnectionHandlerTests
{
    private static readonly byte[] DefaultAnswer = "Good talking to you\n"u8.ToArray();

    [Fact]
    public async Task AnswersTheTutorialExchangeAndPrintsTheMessage()
    {
        var harness = new HandlerHarness();
        var client = new PipeConnection();

        await client.SendAsync("Who is there?\r\n"u8.ToArray());
        await harness.Connect(client);

        Assert.Equal(DefaultAnswer, client.Answer());
        Assert.Equal(["The message was: Who is there?"], harness.StdoutLines);
        Assert.Equal(RunOutcome.Served, harness.Run.Outcome);
        Assert.True(harness.Lifetime.StopRequested);
    }

    [Fact]
    public async Task ReturnsRightAfterTheAnswerWhenNothingIsLeftUnread()
    {
        // The client keeps its side open, as telnet does: no drain, no waiting on the clock.
        var harness = new HandlerHarness();
        var client = new PipeConnection();

        await client.SendAsync("hello\n"u8.ToArray());
        await harness.Connect(client);

        Assert.Equal(DefaultAnswer, client.Answer());
    }

    [Fact]
    public async Task CapsTheMessageAtMaxMessageBytesAcrossSegments()
    {
        var harness = new HandlerHarness(o => o.MaxMessageBytes = 100);
        // Small segments make the first read a multi-segment buffer, as a large socket read is.
        var client = new PipeConnection(new PipeOptions(minimumSegmentSize: 16, pauseWriterThreshold: 0));
        var sent = Enumerable.Range(0, 150).Select(i => (byte)('a' + (i % 26))).ToArray();
        for (var offset = 0; offset < sent.Length; offset += 10)
        {
            await client.SendAsync(sent[offset..Math.Min(offset + 10, sent.Length)]);
        }

        await client.ClientOutput.CompleteAsync();
        await harness.Connect(client);

        Assert.Equal([MessageLine.Prefix + Encoding.ASCII.GetString(sent, 0, 100)], harness.StdoutLines);
        Assert.Equal(DefaultAnswer, client.Answer());
    }

    [Fact]
    public async Task SendsTheConfiguredResponseAsUtf8()
    {
        var harness = new HandlerHarness(o => o.Response = "héllo ✓\n");
        var client = new PipeConnection();

        await client.SendAsync("hi"u8.ToArray());
        await harness.Connect(client);

        Assert.Equal(Encoding.UTF8.GetBytes("héllo ✓\n"), client.Answer());
    }

    [Fact]
    public async Task ConnectionThatClosesWithoutDataIsAProbeAndLeavesTheShot()
    {
        var harness = new HandlerHarness();
        var probe = new PipeConnection();

        await probe.ClientOutput.CompleteAsync();
        await harness.Connect(probe);

        Assert.Empty(probe.Answer());
        Assert.Empty(harness.StdoutLines);
        Assert.Equal(RunOutcome.Waiting, harness.Run.Outcome);
        Assert.False(harness.Lifetime.StopRequested);

        var client = new PipeConnection();
        await client.SendAsync("real"u8.ToArray());
        await harness.Connect(client);
        Assert.Equal(DefaultAnswer, client.Answer());
        Assert.Equal(["The message was: real"], harness.StdoutLines);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ConnectionResetBeforeSendingIsAProbe(bool resetBeforeTheHandlerLooks)
    {
        var harness = new HandlerHarness();
        var probe = new PipeConnection();
        var reset = new Microsoft.AspNetCore.Connections.ConnectionResetException("Connection reset by peer");

        Task serving;
        if (resetBeforeTheHandlerLooks)
        {
            await probe.ClientOutput.CompleteAsync(reset);
            serving = harness.Connect(probe);
        }
        else
        {
            serving = harness.Connect(probe);
            await probe.ClientOutput.CompleteAsync(reset);
        }

        await serving;
        Assert.Empty(probe.Answer());
        Assert.Equal(RunOutcome.Waiting, harness.Run.Outcome);
        Assert.Equal(1, harness.Run.Probes);
    }

    [Fact]
    public async Task ConnectionThatSendsNothingWithinReadTimeoutIsAProbe()
    {
        var harness = new HandlerHarness(o => o.ReadTimeout = "2s");
        var probe = new PipeConnection();

        var serving = harness.Handler.OnConnectedAsync(probe.Context);
        harness.Time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(serving.IsCompleted);
        harness.Time.Advance(TimeSpan.FromMilliseconds(1));
        await serving.Within();

        Assert.Empty(probe.Answer());
        Assert.Equal(RunOutcome.Waiting, harness.Run.Outcome);
    }

    [Fact]
    public async Task ReadTimeoutZeroWaitsForData()
    {
        var harness = new HandlerHarness(o => o.ReadTimeout = "0");
        var client = new PipeConnection();

        var serving = harness.Handler.OnConnectedAsync(client.Context);
        harness.Time.Advance(TimeSpan.FromDays(1));
        Assert.False(serving.IsCompleted);

        await client.SendAsync("late"u8.ToArray());
        await serving.Within();
        Assert.Equal(DefaultAnswer, client.Answer());
    }

    [Fact]
    public async Task IdleConnectionEndsWhenKestrelAsksItToClose()
    {
        var harness = new HandlerHarness();
        var idle = new PipeConnection();

        var serving = harness.Handler.OnConnectedAsync(idle.Context);
        Assert.False(serving.IsCompleted);
        idle.RequestClose();
        await serving.Within();

        Assert.Empty(idle.Answer());
        Assert.Equal(RunOutcome.Waiting, harness.Run.Outcome);
    }

    [Fact]
    public async Task ConnectionAfterTheShotIsClosedUnanswered()
    {
        var harness = new HandlerHarness();
        var first = new PipeConnection();
        var late = new PipeConnection();

        await first.SendAsync("first"u8.ToArray());
        await harness.Connect(first);
        await late.SendAsync("second"u8.ToArray());
        await harness.Connect(late);

        Assert.Empty(late.Answer());
        Assert.Equal(["The message was: first"], harness.StdoutLines);
    }

    [Fact]
    public async Task ExactlyOneOfFiftyConcurrentConnectionsIsAnswered()
    {
        var harness = new HandlerHarness();
        var clients = Enumerable.Range(0, 50).Select(_ => new PipeConnection()).ToArray();
        foreach (var (client, i) in clients.Select((c, i) => (c, i)))
        {
            await client.SendAsync(Encoding.ASCII.GetBytes($"client {i}"));
        }

        using var start = new ManualResetEventSlim();
        var serving = clients.Select(c => Task.Run(() => { start.Wait(); return harness.Handler.OnConnectedAsync(c.Context); })).ToArray();
        start.Set();
        await Task.WhenAll(serving).Within();

        var answered = clients.Where(c => c.Answer().Length > 0).ToArray();
        Assert.Single(answered);
        var line = Assert.Single(harness.StdoutLines);
        Assert.Equal($"The message was: client {Array.IndexOf(clients, answered[0])}", line);
    }

    [Fact]
    public async Task OversizeInputIsDrainedUntilTheClientsEndOfInput()
    {
        var harness = new HandlerHarness();
        var client = new PipeConnection();

        // Sent in 64 KiB writes: with the pipe's back-pressure the client only gets to the end of its
        // mebibyte if the handler keeps reading after the answer.
        var serving = harness.Handler.OnConnectedAsync(client.Context);
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < 16; i++)
            {
                await client.SendAsync(new byte[64 * 1024]);
            }

            await client.ClientOutput.CompleteAsync();
        }, TestContext.Current.CancellationToken);
        await Task.WhenAll(serving, sending).Within();

        Assert.Equal(DefaultAnswer, client.Answer());
        Assert.Equal([MessageLine.Prefix + string.Concat(Enumerable.Repeat("\\0", 100))], harness.StdoutLines);
    }

    [Fact]
    public async Task DrainingStopsAtItsTimeBoundWhenTheClientKeepsSending()
    {
        var harness = new HandlerHarness();
        var client = new PipeConnection();

        await client.SendAsync(new byte[500]);
        var serving = harness.Handler.OnConnectedAsync(client.Context);
        Assert.False(serving.IsCompleted);
        harness.Time.Advance(OneShotConnectionHandler.DrainTimeLimit);
        await serving.Within();

        Assert.Equal(DefaultAnswer, client.Answer());
    }
}
