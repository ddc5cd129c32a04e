using System.Net;

namespace KestrelOneShot.Tests.Container;

/// <summary>
/// One <c>run --rm --network host</c> of the image, as an operator types it: the app's output is the
/// engine's, and so is its exit code. Ended by name on dispose, since killing the engine's client
/// leaves the container running.
/// </summary>
internal sealed class ContainerRun : IAsyncDisposable
{
    private ContainerRun(string name, ServerProcess process)
    {
        Name = name;
        Process = process;
    }

    public string Name { get; }

    public ServerProcess Process { get; }

    /// <param name="runOptions">Options of the engine's <c>run</c> (volumes, <c>--read-only</c>), before the image.</param>
    /// <param name="args">The one-shot's own arguments, after the image.</param>
    public static ContainerRun Start(ContainerImage image, IEnumerable<string> runOptions, IEnumerable<string> args)
    {
        var name = $"oneshot-test-{Guid.NewGuid():N}";
        return new ContainerRun(name, ServerProcess.StartCommand(
            [ContainerImage.Engine, "run", "--rm", "--network", "host", "--name", name, .. runOptions, image.Name], args));
    }

    /// <summary>Starts with <c>--port 0</c> and returns the port the ready line names.</summary>
    public static async Task<(ContainerRun Run, int Port)> StartReadyAsync(ContainerImage image, IEnumerable<string> runOptions, params string[] args)
    {
        var run = Start(image, runOptions, ["--port", "0", .. args]);
        try
        {
            var endpoints = await run.Process.ReadyAsync();
            return (run, endpoints[0].Port);
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    public static IPEndPoint Loopback(int port) => new(IPAddress.Loopback, port);

    /// <summary>A field of the running container's state (<c>inspect --format</c>).</summary>
    public async Task<string> InspectAsync(string format)
    {
        var (exitCode, output) = await ContainerImage.EngineAsync("container", "inspect", "--format", format, Name);
        Assert.True(exitCode == 0, output);
        return output.Trim();
    }

    public async ValueTask DisposeAsync()
    {
        // Both do nothing when the run has ended (--rm removed it).
        await ContainerImage.EngineAsync("kill", Name);
        await ContainerImage.EngineAsync("rm", "--force", Name);
        await Process.DisposeAsync();
    }
}
