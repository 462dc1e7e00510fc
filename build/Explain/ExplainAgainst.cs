using System.Text.RegularExpressions;
using Build.Hashing;

namespace Build.Explain;

/// <summary>
/// Which image each image is compared with: its <c>-latest</c>, its <c>-&lt;yyyymmdd&gt;</c>, or the one of a hash
/// (its <c>&lt;name&gt;-&lt;hash&gt;.inputs</c> record, else the image <c>&lt;name&gt;-&lt;hash&gt;</c>). Bake compares
/// with <c>-latest</c> and, when that is nowhere, today's date tag (the image an earlier run of today built).
/// </summary>
public sealed partial record ExplainAgainst(string Kind, string Value)
{
    public static ExplainAgainst Latest { get; } = new("latest", "latest");

    public static ExplainAgainst ForBake(string date) => new("bake", date);

    /// <summary>--against's value; a usage error names the forms it takes.</summary>
    public static ExplainAgainst Parse(string? text)
    {
        var value = text?.Trim() ?? "latest";
        return value switch
        {
            "latest" => Latest,
            _ when DatePattern().IsMatch(value) => new("date", value),
            _ when HashPattern().IsMatch(value) => new("hash", value),
            _ => throw new ArgumentException($"--against={value} is not a reference: use --against=latest, --against=yyyymmdd (a date tag) or --against=HASH (12 lowercase hex characters, an image's hash)."),
        };
    }

    /// <summary>The tags to try for one image, in order.</summary>
    public IReadOnlyList<string> Tags(string image) => Kind switch
    {
        "date" => [ImageTags.DateTagOf(image, Value)],
        "hash" => [ImageTags.InputsTagOf(image, Value), ImageTags.HashTagOf(image, Value)],
        "bake" => [ImageTags.LatestTagOf(image), ImageTags.DateTagOf(image, Value)],
        _ => [ImageTags.LatestTagOf(image)],
    };

    public override string ToString() => Kind switch
    {
        "date" => ImageTags.DateWords(Value),
        "hash" => $"hash {Value}",
        "bake" => $"{ImageTags.LatestWords} (else {ImageTags.DateWords(Value)})",
        _ => ImageTags.LatestWords,
    };

    [GeneratedRegex("^[0-9]{8}$")]
    private static partial Regex DatePattern();

    [GeneratedRegex("^[0-9a-f]{12}$")]
    private static partial Regex HashPattern();
}
