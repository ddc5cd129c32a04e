using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace KestrelOneShot.Tests;

/// <summary>
/// The built app as a real process: started with arguments, read through its stdout and stderr,
/// and killed by its id on dispose if it is still running.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _partialStderrLine = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource<IReadOnlyList<IPEndPoint>> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(Func<IReadOnlyList<string>, bool> Condition, TaskCompletionSource Met)> _waiters = [];

    private ServerProcess(Process process, bool stdoutPaused)
    {
        _process = process;
        StderrReader = new PausableReader(process.StandardError, OnStderrText);
        StdoutReader = new PausableReader(process.StandardOutput, text => _stdout.Append(text), stdoutPaused);
    }

    /// <summary>stdout's reader: pause it to leave the app's stdout pipe unread.</summary>
    public PausableReader StdoutReader { get; }

    /// <summary>stderr's reader: pause it to leave the app's stderr pipe unread.</summary>
    public PausableReader StderrReader { get; }

    /// <summary>
    /// The app under test: <c>ONESHOT_APP</c> names an executable (a published binary), otherwise the
    /// build output beside the tests runs under <c>dotnet</c>.
    /// </summary>
    /// <param name="stdoutPaused">Start with stdout unread (see <see cref="StdoutReader"/>).</param>
    /// <param name="descriptorLimit">Run under this RLIMIT_NOFILE (soft and hard), as <c>ulimit -n</c> would.</param>
    public static ServerProcess Start(
        IEnumerable<string> args,
        IDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        bool stdoutPaused = false,
        int? descriptorLimit = null)
    {
        var app = Environment.GetEnvironmentVariable("ONESHOT_APP");
        var start = new ProcessStartInfo(descriptorLimit is null ? app ?? "dotnet" : "/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            // Somewhere with no appsettings.json: the defaults must come from the code.
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        if (descriptorLimit is { } limit)
        {
            // exec: the shell becomes the app, so the process id is the app's.
            foreach (var arg in new[] { "-c", $"ulimit -n {limit} && exec \"$@\"", "sh", app ?? "dotnet" })
            {
                start.ArgumentList.Add(arg);
            }
        }

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

        return new ServerProcess(Process.Start(start) ?? throw new InvalidOperationException("the app did not start"), stdoutPaused);
    }

    /// <summary>The app started another way (in a container, say): <paramref name="command"/>, then <paramref name="args"/>.</summary>
    public static ServerProcess StartCommand(IReadOnlyList<string> command, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in command.Skip(1).Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        return new ServerProcess(Process.Start(start) ?? throw new InvalidOperationException($"{command[0]} did not start"), stdoutPaused: false);
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
        await Task.WhenAll(StdoutReader.Completion, StderrReader.Completion).Within();
        return (_process.ExitCode, _stdout.ToString());
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

    private void OnStderrText(string text)
    {
        foreach (var c in text)
        {
            if (c == '\n')
            {
                OnStderrLine(_partialStderrLine.ToString());
                _partialStderrLine.Clear();
            }
            else
            {
                _partialStderrLine.Append(c);
            }
        }
    }

    private void OnStderrLine(string line)
    {
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
