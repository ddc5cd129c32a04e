using System.Numerics;

namespace KestrelOneShot.ProxyProtocol;

/// <summary>CRC-32C (Castagnoli), as the PROXY protocol's CRC32C TLV carries it.</summary>
internal static class Crc32C
{
    /// <summary>The checksum of <paramref name="first"/> followed by <paramref name="second"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second = default)
    {
        var crc = uint.MaxValue;
        foreach (var b in first)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        foreach (var b in second)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
