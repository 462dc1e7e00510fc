using Build.Explain;
using Build.Host;
using Cake.Core;

namespace Build.Tasks;

[TaskName("Explain")]
[TaskDescription("Why each selected image would be rebuilt: today's inputs against the inputs recorded for its reference image (-latest by default), from the registry, else the local store. Files with +/- line counts, entry fields old -> new, base digests, the hash scheme; an image whose own inputs are unchanged names the family it was rebuilt for. Root causes first, cascades collapsed; a reference that cannot be read gives its one-line reason.")]
[TaskArgument("--against=latest|yyyymmdd|HASH", "The reference: each image's -latest (default), its -<yyyymmdd> date tag, or the image of a hash (<name>-<hash>.inputs, else <name>-<hash>).")]
[TaskArgument("--format=text|json", "json: every image with every change, for tools (schemaVersion 1).")]
public sealed class ExplainTask(Services.HashResolver resolver, Services.Explanations explanations, Services.RunOutput output) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var json = context.Argument(ArgumentNames.Format) switch
        {
            null or "text" => false,
            "json" => true,
            var other => throw new CakeException(2, $"--format={other}: use --format=text or --format=json."),
        };
        ExplainAgainst against;
        try
        {
            against = ExplainAgainst.Parse(context.Argument(ArgumentNames.Against));
        }
        catch (ArgumentException ex)
        {
            throw new CakeException(2, ex.Message);
        }

        // The references are read while today's inputs are hashed: their tags depend on the images' names alone.
        // After ComputeHash, the run knows whether the registry answers: the reads then wait for the hashes.
        var early = context.Results.Hashes is null ? explanations.ReadEarly(against) : null;
        // Today's inputs: this run's hashes when ComputeHash ran, else hashed here without asking any registry.
        var hashes = context.Results.Hashes ?? resolver.HashOnly();
        if (context.Results.Inputs.Count == 0)
        {
            // A record this machine made for an image at its hash is that record (a record names nothing of the run).
            context.Results.Set(new InputsRecorder(context.Root, context.Catalog, context.Fleet, context.GeneratedFiles).RecordAll(hashes.Families, new LocalInputStore(context.Root, context.Paths).Recorded));
        }

        var report = explanations.Explain(hashes, against, early: early);
        output.Write(json ? ExplainOutput.Json(report) : ExplainOutput.Text(report));
    }
}
