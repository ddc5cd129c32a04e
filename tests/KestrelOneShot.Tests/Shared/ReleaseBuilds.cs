namespace KestrelOneShot.Tests;

/// <summary>
/// Tests that build the app in Release (packs, the container image's publish) share its obj folder,
/// so they run one at a time.
/// </summary>
[CollectionDefinition(nameof(ReleaseBuilds))]
public sealed class ReleaseBuilds;
