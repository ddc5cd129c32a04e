using KestrelOneShot.Configuration;
using KestrelOneShot.ConnectionHandling;
using KestrelOneShot.Output;
using KestrelOneShot.ProxyProtocol;
using KestrelOneShot.Run;

using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KestrelOneShot.Tests;

/// <summary>
/// The connection pipeline of one endpoint, composed as Kestrel composes it (probe counting, then
/// the PROXY protocol middleware when on, then the handler), with its run, a captured stdout and a fake clock.
/// </summary>
internal sealed class HandlerHarness
{
    private readonly StringWriter _stdout = new() { NewLine = "\n" };
    private readonly ConnectionDelegate _pipeline;

    /// <param name="keepLogs">False for a flood: the loggers then keep nothing, so that only the code under test holds memory.</param>
    public HandlerHarness(Action<OneShotOptions>? configure = null, bool keepLogs = true)
    {
        if (!keepLogs)
        {
            // A filter on a level nothing logs at: every entry is dropped.
            var nothing = FakeLogCollector.Create(new FakeLogCollectorOptions { FilteredLevels = { LogLevel.None } });
            (HandlerLog, ProxyProtocolLog) = (new FakeLogger<OneShotConnectionHandler>(nothing), new FakeLogger<ProxyProtocolMiddleware>(nothing));
        }

        var options = new OneShotOptions();
        configure?.Invoke(options);
        Stdout = new QueuedLineWriter(_stdout, capacity: 16, dropWhenFull: false);
        Run = new OneShotRun(Lifetime, Options.Create(options), Time);
        Handler = new OneShotConnectionHandler(Run, Stdout, Options.Create(options), Time, HandlerLog);
        ConnectionDelegate pipeline = Handler.OnConnectedAsync;
        if (options.ProxyProtocol != ProxyProtocolMode.Off)
        {
            pipeline = new ProxyProtocolMiddleware(pipeline, options.ProxyProtocol, options.ReadTimeout, Time, ProxyProtocolLog).OnConnectionAsync;
        }

        _pipeline = new RejectionRecordingMiddleware(pipeline, Run, Time).OnConnectionAsync;
    }

    public FakeTimeProvider Time { get; } = new();

    public StopRecorder Lifetime { get; } = new();

    public QueuedLineWriter Stdout { get; }

    public OneShotRun Run { get; }

    public OneShotConnectionHandler Handler { get; }

    public FakeLogger<OneShotConnectionHandler> HandlerLog { get; } = new();

    public FakeLogger<ProxyProtocolMiddleware> ProxyProtocolLog { get; } = new();

    /// <summary>The connection through the whole pipeline; bounded.</summary>
    public Task Connect(TestConnection connection) => Serve(connection).Within();

    /// <summary>The connection through the whole pipeline, unbounded: for tests that drive it step by step.</summary>
    public Task Serve(TestConnection connection) => _pipeline(connection.Server);

    /// <summary>The lines written to stdout so far, once every queued one is written.</summary>
    public async Task<string[]> StdoutLinesAsync()
    {
        await Stdout.FlushAsync(TestContext.Current.CancellationToken).Within();
        return _stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    internal sealed class StopRecorder : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource _stopping = new();

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public bool StopRequested => _stopping.IsCancellationRequested;

        public void StopApplication() => _stopping.Cancel();
    }
}

/// <summary>"Level: message" for each entry a <see cref="FakeLogger"/> kept, for comparing whole lines.</summary>
internal static class FakeLoggerLines
{
    public static IReadOnlyList<string> Lines(this FakeLogger logger) =>
        [.. logger.Collector.GetSnapshot().Select(record => $"{record.Level}: {record.Message}")];
}
