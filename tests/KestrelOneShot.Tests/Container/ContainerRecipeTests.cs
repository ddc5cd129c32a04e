using System.Text.RegularExpressions;

using YamlDotNet.RepresentationModel;

namespace KestrelOneShot.Tests.Container;

/// <summary>
/// The compose and Kubernetes recipes cannot run here (no registry, no cluster), so they are held
/// to what can rot: the image they name is the one build.sh makes, every argument they give the
/// one-shot starts it (a wait that times out, exit 4, never exit 2), and their parts point at each
/// other. docs/container.md shows the files as they are.
/// </summary>
public sealed partial class ContainerRecipeTests
{
    private static readonly string Folder = Path.Combine(Repository.Root, "deploy", "container");

    [Fact]
    public async Task TheComposeRecipeRunsTheBuiltImageWithArgumentsTheOneShotAccepts()
    {
        var services = (YamlMappingNode)Load("compose.yaml").Single()["services"];
        var oneshot = (YamlMappingNode)services["oneshot"];
        var nginxConf = await File.ReadAllTextAsync(Path.Combine(Folder, "nginx-route.conf"), TestContext.Current.CancellationToken);

        Assert.Equal(await BuiltImageAsync(), Scalar(oneshot["image"]));
        await AssertTheOneShotAcceptsAsync(Strings(oneshot["command"]));
        // nginx reaches the one-shot by its service name, on the port the image exposes.
        Assert.Contains("proxy_pass http://oneshot:9999;", nginxConf, StringComparison.Ordinal);
        var mounted = Strings(((YamlMappingNode)services["nginx"])["volumes"]).Single().Split(':')[0];
        Assert.True(File.Exists(Path.Combine(Folder, mounted)), $"compose.yaml mounts {mounted}, which is not beside it");
    }

    [Fact]
    public async Task TheKubernetesJobRunsTheBuiltImageOnceWithArgumentsTheOneShotAccepts()
    {
        var documents = Load("kubernetes.yaml");
        YamlMappingNode Kind(string kind, string name) => documents.Single(d => Scalar(d["kind"]) == kind && Scalar(At(d, "metadata", "name")) == name);
        var job = Kind("Job", "oneshot");
        var pod = (YamlMappingNode)At(job, "spec", "template", "spec");
        var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"]).Single();
        var args = Strings(container["args"]);
        var service = Kind("Service", "oneshot");

        Assert.Equal("0", Scalar(At(job, "spec", "backoffLimit")));
        Assert.Equal("Never", Scalar(pod["restartPolicy"]));
        Assert.Equal(await BuiltImageAsync(), Scalar(container["image"]));
        await AssertTheOneShotAcceptsAsync(args);
        // The kubelet's readiness probe is a health check, never the shot.
        Assert.Equal(args[args.IndexOf("--health-path") + 1], Scalar(At(container, "readinessProbe", "httpGet", "path")));
        // Ingress -> Service -> the Job's pod, on the port the image exposes.
        Assert.Equal("oneshot", Scalar(At(((YamlSequenceNode)At(Kind("Ingress", "oneshot"), "spec", "rules"))[0], "http", "paths")[0]["backend"]["service"]["name"]));
        Assert.Equal(Scalar(At(job, "spec", "template", "metadata", "labels", "app")), Scalar(At(service, "spec", "selector", "app")));
        Assert.Equal("9999", Scalar(((YamlSequenceNode)At(service, "spec", "ports"))[0]["targetPort"]));
    }

    [Theory]
    [InlineData("compose.yaml")]
    [InlineData("nginx-route.conf")]
    [InlineData("kubernetes.yaml")]
    public async Task TheDocsShowTheRecipeAsItIs(string file)
    {
        var doc = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "container.md"), TestContext.Current.CancellationToken);
        var recipe = await File.ReadAllTextAsync(Path.Combine(Folder, file), TestContext.Current.CancellationToken);

        Assert.Contains(CodeBlocks().Matches(doc), block => block.Groups["code"].Value + "\n" == recipe);
    }

    /// <summary>The image build.sh makes when given no name.</summary>
    private static async Task<string> BuiltImageAsync()
    {
        var script = await File.ReadAllTextAsync(Path.Combine(Folder, "build.sh"), TestContext.Current.CancellationToken);
        return DefaultImage().Match(script).Groups["image"].Value;
    }

    /// <summary>
    /// The recipe's arguments given to the built app, with a free port, a report beside the test and
    /// a short wait after them: 4 says every switch and value was accepted and nothing arrived.
    /// </summary>
    private static async Task AssertTheOneShotAcceptsAsync(IReadOnlyList<string> args)
    {
        var report = Path.Combine(Path.GetTempPath(), $"oneshot-recipe-{Guid.NewGuid():N}.json");
        var local = args.Select(arg => arg.StartsWith("/report/", StringComparison.Ordinal) ? report : arg);
        await using var server = ServerProcess.Start([.. local, "--port", "0", "--wait-timeout", "50ms"]);
        var (exitCode, _) = await server.ExitAsync();
        File.Delete(report);
        Assert.True(exitCode == 4, $"exit {exitCode}: {server.Stderr}");
    }

    private static List<YamlMappingNode> Load(string file)
    {
        using var reader = new StreamReader(Path.Combine(Folder, file));
        var yaml = new YamlStream();
        yaml.Load(reader);
        return [.. yaml.Documents.Select(document => (YamlMappingNode)document.RootNode)];
    }

    private static YamlNode At(YamlNode node, params string[] keys) => keys.Aggregate(node, (current, key) => current[key]);

    private static string? Scalar(YamlNode node) => ((YamlScalarNode)node).Value;

    private static List<string> Strings(YamlNode node) => [.. ((YamlSequenceNode)node).Select(item => Scalar(item)!)];

    [GeneratedRegex(@"^image=\$\{1:-(?<image>[^}]+)\}", RegexOptions.Multiline)]
    private static partial Regex DefaultImage();

    [GeneratedRegex("```(?:yaml|nginx)\\n(?<code>.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex CodeBlocks();
}
