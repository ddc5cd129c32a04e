namespace KestrelOneShot.Tests.EndToEnd;

/// <summary>
/// The proxy configurations in samples/ (what samples/stage-route.sh and the docs run) pass their own
/// proxy's configuration check, so a sample cannot rot into one its proxy refuses.
/// </summary>
public sealed class SampleProxyConfigurationTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("oneshot-samples-").FullName;

    [Theory]
    [InlineData("haproxy.cfg")]
    [InlineData("haproxy-tls.cfg")]
    [InlineData("haproxy-http.cfg")]
    [InlineData("haproxy-http-tls.cfg")]
    [InlineData("nginx-stream.conf")]
    [InlineData("nginx-stream-tls.conf")]
    [InlineData("nginx-http.conf")]
    [InlineData("nginx-http-tls.conf")]
    [InlineData("Caddyfile")]
    [InlineData("Caddyfile-tls")]
    [InlineData("apache-http.conf")]
    [InlineData("apache-http-tls.conf")]
    public async Task TheSampleConfigurationPassesItsProxysCheck(string file)
    {
        var path = Path.Combine(Repository.Root, "samples", file);
        var (program, args) = file switch
        {
            _ when file.StartsWith("haproxy", StringComparison.Ordinal) => (RealProxy.Require("haproxy", "haproxy"), new[] { "-c", "-f", path }),
            _ when file.StartsWith("nginx", StringComparison.Ordinal) => (RealProxy.Require("nginx", "nginx libnginx-mod-stream"), ["-t", "-p", _work, "-c", path, "-e", "stderr"]),
            _ when file.StartsWith("Caddyfile", StringComparison.Ordinal) => (RealProxy.Require("caddy", "caddy"), ["validate", "--config", path, "--adapter", "caddyfile"]),
            _ => (RealProxy.Require("apache2", "apache2"), ["-t", "-f", path]),
        };

        var (exitCode, output) = await BoundedProcess.RunAsync(program, _work, Bounded.Timeout, args);

        Assert.True(exitCode == 0, $"{Path.GetFileName(program)} refuses samples/{file}: {output}");
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
