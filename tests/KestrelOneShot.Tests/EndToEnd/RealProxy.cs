using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KestrelOneShot.Tests.EndToEnd;

/// <summary>
/// A real HAProxy or nginx from Debian's packages, run in the foreground on a free loopback port
/// with a configuration the test writes, and killed by its id on dispose.
/// </summary>
internal sealed class RealProxy : IAsyncDisposable
{
    private static readonly string[] ProgramDirectories = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"];

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();
    private readonly Process _process;
    private readonly DirectoryInfo _directory;

    private RealProxy(Process process, DirectoryInfo directory, IPEndPoint frontend)
    {
        _process = process;
        _directory = directory;
        Frontend = frontend;
    }

    public IPEndPoint Frontend { get; }

    /// <summary>What the proxy has logged so far, for a failing assertion to say.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>
    /// HAProxy in TCP mode; <paramref name="serverOptions"/> go on its one server line and
    /// <paramref name="bindOptions"/> on its frontend's bind line (<c>ssl crt …</c> to terminate TLS).
    /// </summary>
    public static Task<RealProxy> StartHaproxyAsync(IPEndPoint backend, string serverOptions, string bindOptions = "") =>
        StartAsync("haproxy", "haproxy.cfg", frontend => $"""
            global
              log stderr format raw local0 info
            defaults
              mode tcp
              log global
              timeout connect 2s
              timeout client 10s
              timeout server 10s
              # Without it a check's whole budget is its interval: a TLS check against a server still
              # warming up on a loaded machine fails and marks it down.
              timeout check 5s
            frontend fe
              bind {frontend} {bindOptions}
              default_backend be
            backend be
              server app {backend} {serverOptions}
            """,
            config => ["-db", "-f", config]);

    /// <summary>nginx's stream module, forwarding to <paramref name="backend"/>; <paramref name="directives"/> go in its server block.</summary>
    public static Task<RealProxy> StartNginxAsync(IPEndPoint backend, bool proxyProtocol, string directives = "") =>
        StartAsync("nginx", "nginx.conf", frontend => $$"""
            daemon off;
            master_process off;
            pid nginx.pid;
            error_log stderr info;
            load_module /usr/lib/nginx/modules/ngx_stream_module.so;
            events {}
            stream {
              server {
                listen {{frontend}};
                proxy_pass {{backend}};
                proxy_protocol {{(proxyProtocol ? "on" : "off")}};
                {{directives}}
              }
            }
            """,
            config => ["-p", Path.GetDirectoryName(config)!, "-c", config, "-e", "stderr"]);

    /// <summary>
    /// The program's path; without it the test is skipped with what to install, and under CI
    /// (CI=true) it fails instead, since .ci/run installs it.
    /// </summary>
    public static string Require(string program, string packages)
    {
        var path = ProgramDirectories
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
        if (path is not null)
        {
            return path;
        }

        var reason = $"{program} is not installed: apt-get install -y {packages}";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"{reason} (.ci/run installs it; under CI a missing proxy fails the run)");
        }

        Assert.Skip(reason);
        return null!;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(Bounded.Timeout, CancellationToken.None);
        }

        _process.Dispose();
        _directory.Delete(recursive: true);
    }

    private static async Task<RealProxy> StartAsync(string program, string configName, Func<IPEndPoint, string> config, Func<string, string[]> args)
    {
        var executable = Require(program, program == "nginx" ? "nginx libnginx-mod-stream" : "haproxy");
        var frontend = new IPEndPoint(IPAddress.Loopback, FreePort.Find());
        var directory = Directory.CreateTempSubdirectory($"oneshot-{program}-");
        var configPath = Path.Combine(directory.FullName, configName);
        await File.WriteAllTextAsync(configPath, config(frontend) + "\n", TestContext.Current.CancellationToken);

        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory.FullName };
        foreach (var arg in args(configPath))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var proxy = new RealProxy(process, directory, frontend);
        process.OutputDataReceived += (_, e) => proxy._output.Enqueue(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => proxy._output.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await WaitUntilListeningAsync(proxy);
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Polls the kernel's socket table for the frontend in LISTEN state: asking by connecting would
    /// itself reach the one-shot server as a probe. The proxies announce nothing to await.
    /// </summary>
    private static async Task WaitUntilListeningAsync(RealProxy proxy)
    {
        var deadline = Stopwatch.StartNew();
        while (!SocketTable.Has(proxy.Frontend.Port, SocketTable.Listen))
        {
            if (proxy._process.HasExited || deadline.Elapsed > Bounded.Timeout)
            {
                throw new InvalidOperationException($"the proxy did not listen on {proxy.Frontend}: {string.Join(" | ", proxy._output)}");
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
