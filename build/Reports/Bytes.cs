using System.Globalization;

namespace Build.Reports;

public static class Bytes
{
    /// <summary>1536 → "1.5 KiB"; binary units, one decimal.</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = Math.Abs(bytes);
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        var text = unit == 0 ? value.ToString("0", CultureInfo.InvariantCulture) : value.ToString("0.0", CultureInfo.InvariantCulture);
        return (bytes < 0 ? "-" : string.Empty) + text + " " + units[unit];
    }
}
