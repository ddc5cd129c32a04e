using System.Globalization;
using System.Text.Json;

namespace KestrelOneShot.Tests.Container;

/// <summary>
/// The image as <c>deploy/container/build.sh</c> builds it from this repository, under a tag of this
/// test run's own (removed at the end), with podman unless <c>CONTAINER_ENGINE</c> names another.
/// </summary>
public sealed class ContainerImage : IAsyncLifetime
{
    public static string Engine { get; } = Environment.GetEnvironmentVariable("CONTAINER_ENGINE") ?? "podman";

    public string Name { get; } = string.Create(CultureInfo.InvariantCulture, $"kestreloneshot-test:{Environment.ProcessId}-{DateTime.UtcNow:HHmmss}");

    /// <summary>What build.sh printed: the image's size and its parts.</summary>
    public string BuildOutput { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var (exitCode, output) = await BoundedProcess.RunAsync(
            "bash", Repository.Root, TimeSpan.FromMinutes(10), Path.Combine(Repository.Root, "deploy", "container", "build.sh"), Name);
        BuildOutput = output;
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"deploy/container/build.sh exited {exitCode}: {output}");
        }
    }

    /// <summary>The engine's own description of the image (<c>image inspect</c>).</summary>
    public async Task<JsonElement> InspectAsync()
    {
        var (exitCode, output) = await EngineAsync("image", "inspect", Name);
        Assert.True(exitCode == 0, output);
        using var json = JsonDocument.Parse(output);
        return json.RootElement[0].Clone();
    }

    /// <summary>Runs the engine with <paramref name="args"/> to its end, bounded.</summary>
    public static Task<(int ExitCode, string Output)> EngineAsync(params string[] args) =>
        BoundedProcess.RunAsync(Engine, Path.GetTempPath(), Bounded.Timeout, args);

    public async ValueTask DisposeAsync() => await EngineAsync("rmi", "--force", Name);
}
