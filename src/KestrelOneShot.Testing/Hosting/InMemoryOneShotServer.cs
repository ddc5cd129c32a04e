using System.Collections.Concurrent;
using System.Net;

using KestrelOneShot.Hosting;
using KestrelOneShot.InMemory;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KestrelOneShot.Testing.Hosting;

/// <summary>
/// The real KestrelOneShot host (configuration, options validation, Kestrel, the connection
/// handler, shutdown, exit codes) over an <see cref="InMemoryTransport"/>: no sockets, no ports
/// to find, and any number of servers in parallel.
/// </summary>
public sealed class InMemoryOneShotServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly StringWriter _stdout = new() { NewLine = "\n" };
    private readonly StringWriter _stderr = new() { NewLine = "\n" };
    // Every log line of the run, formatted exactly as the program writes them to stderr.
    private readonly ConcurrentQueue<string> _logLines = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReadOnlyList<EndPoint> _endPoints = [];

    private InMemoryOneShotServer(string[] args)
    {
        var setup = new OneShotHostSetup
        {
            Out = TextWriter.Synchronized(_stdout),
            Error = TextWriter.Synchronized(_stderr),
            Logs = _logLines.Enqueue,
            // After the product's registrations, so the socket transport is replaced.
            ConfigureBuilder = builder => builder.Services.AddInMemoryTransport(Transport),
            Built = host => host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
            {
                // Taken when the server is ready: a run may end (and unbind) before its caller looks.
                _endPoints = Transport.BoundEndPoints;
                _started.TrySetResult();
            }),
        };
        Completion = Task.Run(() => RunAsync(args, setup));
    }

    /// <summary>Where the server listens; connect through it or with <see cref="ConnectAsync(EndPoint?, CancellationToken)"/>.</summary>
    public InMemoryTransport Transport { get; } = new();

    /// <summary>
    /// The endpoints of the ready line (127.0.0.1:9999 and [::1]:9999 by default), as bound when the
    /// server became ready; empty if it never did.
    /// </summary>
    public IReadOnlyList<EndPoint> EndPoints => _endPoints;

    /// <summary>Completes when the run ends: served, wait timeout, a failed start, or disposal.</summary>
    public Task<OneShotRunResult> Completion { get; }

    /// <summary>
    /// Starts a server with the program's arguments (the same switches and keys) and returns once it
    /// listens, or once the run has already ended (invalid arguments: see <see cref="Completion"/>).
    /// </summary>
    public static async Task<InMemoryOneShotServer> StartAsync(IEnumerable<string>? args = null, CancellationToken cancellationToken = default)
    {
        var server = new InMemoryOneShotServer(args?.ToArray() ?? []);
        try
        {
            await Task.WhenAny(server._started.Task, server.Completion).WaitAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Connects a client to the first endpoint (or <paramref name="endpoint"/>).</summary>
    public Task<InMemoryConnection> ConnectAsync(EndPoint? endpoint = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(endpoint, Transport.ToServer, Transport.ToClient, cancellationToken);

    /// <summary>Connects a client whose bytes travel under <paramref name="toServer"/> and <paramref name="toClient"/>.</summary>
    public async Task<InMemoryConnection> ConnectAsync(EndPoint? endpoint, NetworkConditions? toServer, NetworkConditions? toClient, CancellationToken cancellationToken = default)
    {
        var endpoints = EndPoints;
        var target = endpoint ?? (endpoints.Count > 0
            ? endpoints[0]
            : throw new InvalidOperationException("The server is not listening (see Completion for how the run ended)."));
        return await Transport.ConnectInMemoryAsync(target, toServer, toClient, cancellationToken);
    }

    /// <summary>Stops a run that has not ended yet (as a signal would) and waits for it.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Completion;
        _stop.Dispose();
    }

    private async Task<OneShotRunResult> RunAsync(string[] args, OneShotHostSetup setup)
    {
        var exitCode = await OneShotHost.RunAsync(args, setup, _stop.Token);
        var errors = _stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return new OneShotRunResult(exitCode, _stdout.ToString(), errors, [.. _logLines]);
    }
}
