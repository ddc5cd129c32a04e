using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;

namespace KestrelOneShot.Tests;

/// <summary>
/// The built app as a real process: started with arguments, read through its stdout and stderr,
/// and killed by its id on dispose if it is still running.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource<IReadOnlyList<IPEndPoint>> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(Func<IReadOnlyList<string>, bool> Condition, TaskCompletionSource Met)> _waiters = [];

    private ServerProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) => OnStderrLine(e.Data);
        _process.BeginErrorReadLine();
        _stdout = _process.StandardOutput.ReadToEndAsync();
    }

    /// <summary>
    /// The app under test: <c>ONESHOT_APP</c> names an executable (a published binary), otherwise the
    /// build output beside the tests runs under <c>dotnet</c>.
    /// </summary>
    public static ServerProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var app = Environment.GetEnvironmentVariable("ONESHOT_APP");
        var start = new ProcessStartInfo(app ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            // Somewhere with no appsettings.json: the defaults must come from the code.
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        if (app is null)
        {
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "KestrelOneShot.dll"));
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return new ServerProcess(Process.Start(start) ?? throw new InvalidOperationException("the app did not start"));
    }

    /// <summary>Starts with <c>--port 0</c> and returns once the ready line names the bound endpoints.</summary>
    public static async Task<(ServerProcess Server, IReadOnlyList<IPEndPoint> Endpoints)> StartReadyAsync(params string[] args)
    {
        var server = Start(["--port", "0", .. args]);
        return (server, await server.ReadyAsync());
    }

    public int Id => _process.Id;

    public IReadOnlyList<string> StderrLines => [.. _stderr];

    public string Stderr => string.Join('\n', _stderr);

    /// <summary>The endpoints of the ready line; fails if the process exits first.</summary>
    public async Task<IReadOnlyList<IPEndPoint>> ReadyAsync()
    {
        var endpoints = await ReadyOrExitAsync();
        return endpoints.Count > 0
            ? endpoints
            : throw new InvalidOperationException($"the app exited with {_process.ExitCode} before it was ready: {Stderr}");
    }

    /// <summary>The endpoints of the ready line, or none when the process exits first.</summary>
    public async Task<IReadOnlyList<IPEndPoint>> ReadyOrExitAsync()
    {
        var exited = _process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return await Task.WhenAny(_ready.Task, exited).Within() == _ready.Task ? await _ready.Task : [];
    }

    /// <summary>Waits, bounded, for the exit; returns the exit code and everything written to stdout.</summary>
    public async Task<(int ExitCode, string Stdout)> ExitAsync()
    {
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).Within();
        return (_process.ExitCode, await _stdout.Within());
    }

    /// <summary>Waits, bounded, until the stderr lines so far meet <paramref name="condition"/>.</summary>
    public Task WaitForStderrAsync(Func<IReadOnlyList<string>, bool> condition)
    {
        var met = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (condition(StderrLines))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((condition, met));
        }

        return met.Task.Within();
    }

    public void Signal(PosixSignal signal)
    {
        var number = signal switch
        {
            PosixSignal.SIGINT => 2,
            PosixSignal.SIGTERM => 15,
            _ => throw new ArgumentOutOfRangeException(nameof(signal)),
        };
        if (Kill(_process.Id, number) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {number}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(Bounded.Timeout, CancellationToken.None);
        }

        _process.Dispose();
    }

    private void OnStderrLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_waiters)
        {
            _stderr.Enqueue(line);
            var lines = StderrLines;
            _waiters.RemoveAll(w => w.Condition(lines) && w.Met.TrySetResult() is var _);
        }

        if (ReadyLine.Endpoints(line) is { } endpoints)
        {
            _ready.TrySetResult(endpoints);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
