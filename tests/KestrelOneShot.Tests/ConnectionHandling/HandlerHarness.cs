using KestrelOneShot.ConnectionHandling;
using KestrelOneShot.Hosting;
using KestrelOneShot.ProxyProtocol;

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KestrelOneShot.Tests.ConnectionHandling;

/// <summary>One <see cref="OneShotConnectionHandler"/> with its run, captured stdout and a fake clock.</summary>
internal sealed class HandlerHarness
{
    public HandlerHarness(Action<OneShotOptions>? configure = null)
    {
        var options = new OneShotOptions();
        configure?.Invoke(options);
        Run = new OneShotRun(Lifetime, Options.Create(options), Time);
        Handler = new OneShotConnectionHandler(Run, new MessageOutput(Stdout), Options.Create(options), Time, HandlerLog);
        ProxyProtocol = new ProxyProtocolMiddleware(Run, Options.Create(options), Time, ProxyProtocolLog);
    }

    public FakeTimeProvider Time { get; } = new();

    public StopRecorder Lifetime { get; } = new();

    public StringWriter Stdout { get; } = new();

    public OneShotRun Run { get; }

    public OneShotConnectionHandler Handler { get; }

    public ListLogger<OneShotConnectionHandler> HandlerLog { get; } = new();

    public ProxyProtocolMiddleware ProxyProtocol { get; }

    public ListLogger<ProxyProtocolMiddleware> ProxyProtocolLog { get; } = new();

    public string[] StdoutLines => Stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public Task Connect(PipeConnection connection) => Handler.OnConnectedAsync(connection.Context).Within();

    /// <summary>The connection through the PROXY protocol middleware, then the handler, as Kestrel composes them.</summary>
    public Task ConnectThroughProxyProtocol(PipeConnection connection) =>
        ProxyProtocol.OnConnectionAsync(connection.Context, Handler.OnConnectedAsync);

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
