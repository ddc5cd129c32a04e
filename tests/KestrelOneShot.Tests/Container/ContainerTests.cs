using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace KestrelOneShot.Tests.Container;

/// <summary>
/// The image built from this repository, run as an operator runs it (<c>run --rm --network host</c>):
/// what it serves, what it writes to a mounted folder, and the engine's exit code as the verdict.
/// </summary>
[Collection(nameof(ReleaseBuilds))]
public sealed class ContainerTests(ContainerImage image) : IClassFixture<ContainerImage>, IDisposable
{
    private const string Answer = "Good talking to you\n";

    /// <summary>A folder mounted at /out, writable by the image's user (nobody).</summary>
    private readonly DirectoryInfo _out = CreateOutFolder();

    private string[] MountOut => ["--volume", $"{_out.FullName}:/out"];

    [Fact]
    public async Task ServesTheTutorialExchangeAsNobodyOnAReadOnlyRootFilesystem()
    {
        // --read-only-tmpfs=false: not even /tmp is writable, so the app needs no writable path at all.
        var (run, port) = await ContainerRun.StartReadyAsync(image, ["--read-only", "--read-only-tmpfs=false"]);
        await using var _ = run;

        var pid = int.Parse(await run.InspectAsync("{{.State.Pid}}"), CultureInfo.InvariantCulture);
        var uids = File.ReadLines($"/proc/{pid}/status").Single(line => line.StartsWith("Uid:", StringComparison.Ordinal));
        var answer = await SocketClient.ExchangeAsync(ContainerRun.Loopback(port), "Who is there?\n"u8.ToArray());
        var (exitCode, stdout) = await run.Process.ExitAsync();

        // Real, effective, saved and filesystem user ids: all nobody's.
        Assert.Equal("Uid:\t65534\t65534\t65534\t65534", uids);
        Assert.Equal(Answer, answer.Text);
        Assert.Equal("The message was: Who is there?\n", stdout);
        Assert.Equal(0, exitCode);
        // The image listens on every interface, and says so in a container's words.
        Assert.Equal(
            "warn: Listening on every interface of this container: any host or container that can reach it can take the shot (--address narrows it)",
            run.Process.StderrLines[0]);
    }

    [Fact]
    public async Task ServesTlsWithTheCertificateItWritesToAMountedFolder()
    {
        var (run, port) = await ContainerRun.StartReadyAsync(image, MountOut, "--tls", "--tls-cert-out", "/out/cert.pem");
        await using var _ = run;

        using var trust = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(_out.FullName, "cert.pem"), TestContext.Current.CancellationToken));
        using var client = await SocketClient.ConnectAsync(ContainerRun.Loopback(port));
        await using var tls = await TlsClient.ConnectAsync(new System.Net.Sockets.NetworkStream(client.Socket), trust);
        var answer = await TlsClient.ExchangeAsync(tls, "over TLS\n");
        var (exitCode, stdout) = await run.Process.ExitAsync();

        Assert.Equal(Answer, answer);
        Assert.Equal("The message was: over TLS\n", stdout);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task ServesHttpAndWritesTheReportToAMountedFolder()
    {
        var (run, port) = await ContainerRun.StartReadyAsync(
            image, MountOut, "--http", "--report", "/out/route.json", "--expect-method", "POST", "--expect-path", "/api/hello");
        await using var _ = run;

        using var http = new HttpClient();
        using var response = await http.PostAsync(
            new Uri($"http://127.0.0.1:{port}/api/hello"), new StringContent("Who is there?", new MediaTypeHeaderValue("text/plain")), TestContext.Current.CancellationToken).Within();
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var (exitCode, stdout) = await run.Process.ExitAsync();

        Assert.Equal(Answer, body);
        Assert.Equal("The message was: Who is there?\n", stdout);
        Assert.Equal(0, exitCode);
        using var report = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(_out.FullName, "route.json"), TestContext.Current.CancellationToken));
        Assert.Equal("served", report.RootElement.GetProperty("outcome").GetString());
    }

    [Theory]
    [InlineData(2, new[] { "--port", "nine" })]
    [InlineData(4, new[] { "--wait-timeout", "100ms" })]
    public async Task AnUnservedRunsExitCodeIsTheEnginesOwn(int expected, string[] args)
    {
        await using var run = ContainerRun.Start(image, [], args);

        Assert.Equal(expected, (await run.Process.ExitAsync()).ExitCode);
    }

    [Fact]
    public async Task AnUnmetExpectationsExitFiveIsTheEnginesOwn()
    {
        var (run, port) = await ContainerRun.StartReadyAsync(image, [], "--expect-message", "ping");
        await using var _ = run;

        var answer = await SocketClient.ExchangeAsync(ContainerRun.Loopback(port), "pong"u8.ToArray());
        var (exitCode, _) = await run.Process.ExitAsync();

        Assert.Equal(Answer, answer.Text);
        Assert.Equal(5, exitCode);
    }

    [Fact]
    public async Task SigtermWhileWaitingExits143()
    {
        var (run, _) = await ContainerRun.StartReadyAsync(image, []);
        await using var __ = run;

        // What `docker stop`, compose and Kubernetes send first.
        var (killed, output) = await ContainerImage.EngineAsync("kill", "--signal", "TERM", run.Name);
        Assert.True(killed == 0, output);

        Assert.Equal(143, (await run.Process.ExitAsync()).ExitCode);
    }

    [Fact]
    public async Task TheImageIsLabelledNonRootExposes9999AndFitsIn20MB()
    {
        var inspected = await image.InspectAsync();
        var config = inspected.GetProperty("Config");
        var labels = config.GetProperty("Labels");
        var (_, head) = await BoundedProcess.RunAsync("git", Repository.Root, Bounded.Timeout, "rev-parse", "HEAD");

        Assert.Equal("65534:65534", config.GetProperty("User").GetString());
        Assert.True(config.GetProperty("ExposedPorts").TryGetProperty("9999/tcp", out _));
        Assert.StartsWith(head.Trim(), labels.GetProperty("org.opencontainers.image.revision").GetString(), StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d+\.\d+$", labels.GetProperty("org.opencontainers.image.version").GetString());
        Assert.NotEqual("", labels.GetProperty("org.opencontainers.image.source").GetString());
        Assert.InRange(inspected.GetProperty("Size").GetInt64(), 1, 20_000_000);
    }

    public void Dispose() => _out.Delete(recursive: true);

    private static DirectoryInfo CreateOutFolder()
    {
        var folder = Directory.CreateTempSubdirectory("oneshot-container-");
        if (!OperatingSystem.IsWindows())
        {
            folder.UnixFileMode |= UnixFileMode.OtherWrite | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        }

        return folder;
    }
}
