using System.ComponentModel;
using Cake.Cli;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Spectre.Console.Cli;

namespace Build.Host;

/// <summary>Frosting's command line. Anything not declared here reaches <c>context.Arguments</c>.</summary>
public sealed class DefaultCommandSettings : CommandSettings
{
    [CommandOption("-t|--target <TARGET>")]
    [Description("Target task to run (repeatable). Default: Default.")]
    public string[] Targets { get; set; } = [];

    [CommandOption("-v|--verbosity <VERBOSITY>")]
    [Description("quiet, minimal, normal, verbose or diagnostic.")]
    [TypeConverter(typeof(VerbosityConverter))]
    [DefaultValue(Verbosity.Normal)]
    public Verbosity Verbosity { get; set; } = Verbosity.Normal;

    [CommandOption("-w|--working <PATH>")]
    [Description("Working directory.")]
    [TypeConverter(typeof(Cake.Cli.DirectoryPathConverter))]
    public DirectoryPath? WorkingDirectory { get; set; }

    [CommandOption("--description|--descriptions|--showdescription|--showdescriptions")]
    [Description("Shows task descriptions.")]
    public bool Description { get; set; }

    [CommandOption("--tree|--showtree")]
    [Description("Shows the task dependency tree.")]
    public bool Tree { get; set; }

    [CommandOption("--dryrun|--noop|--whatif")]
    [Description("Shows what would run, without running any task body.")]
    public bool DryRun { get; set; }

    [CommandOption("-e|--exclusive")]
    [Description("Runs the target without its dependencies.")]
    public bool Exclusive { get; set; }

    [CommandOption("--no-report|--noreport")]
    [Description("Does not print the task summary table at the end.")]
    public bool NoReport { get; set; }

    [CommandOption("--version|--ver")]
    [Description("Shows the build app's version.")]
    public bool Version { get; set; }

    [CommandOption("--info")]
    [Description("Shows version information.")]
    public bool Info { get; set; }
}
