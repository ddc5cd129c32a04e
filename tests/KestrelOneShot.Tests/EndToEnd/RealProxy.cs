using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KestrelOneShot.Tests.EndToEnd;

/// <summary>
/// A real HAProxy, nginx, Caddy or Apache httpd from Debian's packages, run in the foreground on a
/// free loopback port with a configuration the test writes, and killed by its id on dispose.
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

    /// <summary>HAProxy in HTTP mode: <paramref name="backendOptions"/> go in its backend section, <paramref name="serverOptions"/> on its server line.</summary>
    public static Task<RealProxy> StartHaproxyHttpAsync(IPEndPoint backend, string backendOptions, string serverOptions) =>
        StartAsync("haproxy", "haproxy.cfg", frontend => $"""
            global
              log stderr format raw local0 info
            defaults
              mode http
              log global
              timeout connect 2s
              timeout client 10s
              timeout server 10s
              timeout check 5s
            frontend fe
              bind {frontend}
              default_backend be
            backend be
              {backendOptions.Replace("\n", "\n  ", StringComparison.Ordinal)}
              server app {backend} {serverOptions}
            """,
            config => ["-db", "-f", config]);

    /// <summary>nginx's http module: <c>location {location} { proxy_pass http://backend{uri}; directives }</c>.</summary>
    public static Task<RealProxy> StartNginxHttpAsync(IPEndPoint backend, string location, string uri, string directives = "", string scheme = "http") =>
        StartAsync("nginx", "nginx.conf", frontend => $$"""
            daemon off;
            master_process off;
            pid nginx.pid;
            error_log stderr info;
            events {}
            http {
              access_log off;
              client_body_temp_path body;
              proxy_temp_path proxy;
              server {
                listen {{frontend}};
                location {{location}} {
                  proxy_pass {{scheme}}://{{backend}}{{uri}};
                  {{directives}}
                }
              }
            }
            """,
            config => ["-p", Path.GetDirectoryName(config)!, "-c", config, "-e", "stderr"]);

    /// <summary>Caddy's <c>reverse_proxy</c>, with <paramref name="options"/> in its block; nothing else bound (no admin, no automatic HTTPS).</summary>
    public static Task<RealProxy> StartCaddyAsync(IPEndPoint backend, string options = "", string scheme = "http") =>
        StartAsync("caddy", "Caddyfile", frontend => $$"""
            {
              admin off
              auto_https off
              storage file_system {{Path.GetTempPath()}}
            }
            http://:{{frontend.Port}} {
              # Any Host: a site address with one would answer others with an empty 200 of Caddy's own.
              bind {{frontend.Address}}
              reverse_proxy {{scheme}}://{{backend}} {
                {{options}}
              }
            }
            """,
            config => ["run", "--config", config, "--adapter", "caddyfile"]);

    /// <summary>Apache httpd with <c>mod_proxy_http</c>: <paramref name="directives"/> at the top level (<c>ProxyPass</c> lines among them).</summary>
    public static Task<RealProxy> StartApacheAsync(IPEndPoint backend, string directives) =>
        StartAsync("apache2", "httpd.conf", frontend => $"""
            ServerRoot /usr/lib/apache2
            ServerName localhost
            Listen {frontend}
            PidFile {TempDirectoryOf(frontend)}/httpd.pid
            DefaultRuntimeDir {TempDirectoryOf(frontend)}
            Mutex file:{TempDirectoryOf(frontend)} default
            ErrorLog /dev/stderr
            LogLevel warn
            LoadModule mpm_event_module modules/mod_mpm_event.so
            LoadModule authz_core_module modules/mod_authz_core.so
            LoadModule headers_module modules/mod_headers.so
            LoadModule proxy_module modules/mod_proxy.so
            LoadModule proxy_http_module modules/mod_proxy_http.so
            LoadModule proxy_http2_module modules/mod_proxy_http2.so
            LoadModule proxy_wstunnel_module modules/mod_proxy_wstunnel.so
            LoadModule ssl_module modules/mod_ssl.so
            User nobody
            Group nogroup
            {directives.Replace("{backend}", backend.ToString(), StringComparison.Ordinal)}
            """,
            config => ["-f", config, "-DFOREGROUND"]);

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
        var executable = Require(program, program == "nginx" ? "nginx libnginx-mod-stream" : program);
        var frontend = new IPEndPoint(IPAddress.Loopback, FreePort.Find());
        var directory = Directory.CreateDirectory(TempDirectoryOf(frontend, program));
        var configPath = Path.Combine(directory.FullName, configName);
        await File.WriteAllTextAsync(configPath, config(frontend) + "\n", TestContext.Current.CancellationToken);

        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory.FullName };
        // Caddy keeps its state under these; the test's folder keeps it from the user's.
        start.Environment["XDG_DATA_HOME"] = directory.FullName;
        start.Environment["XDG_CONFIG_HOME"] = directory.FullName;
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

    /// <summary>The proxy's own folder, named by its frontend's port (free, so unique while it runs).</summary>
    private static string TempDirectoryOf(IPEndPoint frontend, string program = "apache2") =>
        Path.Combine(Path.GetTempPath(), $"oneshot-{program}-{frontend.Port}");

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
