using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ReferenceHost.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class Moderation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "MuteAt",
                table: "ChatEngineMembers",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "MuteBy",
                table: "ChatEngineMembers",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "MuteReason",
                table: "ChatEngineMembers",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "MuteUntil",
                table: "ChatEngineMembers",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ChatEngineBans",
                columns: table => new
                {
                    ChatId = table.Column<long>(type: "bigint", nullable: false),
                    UserId = table.Column<long>(type: "bigint", nullable: false),
                    Until = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    ByUserId = table.Column<long>(type: "bigint", nullable: false),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEngineBans", x => new { x.ChatId, x.UserId });
                    table.ForeignKey(
                        name: "FK_ChatEngineBans_ChatEngineChats_ChatId",
                        column: x => x.ChatId,
                        principalTable: "ChatEngineChats",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ChatEngineBlocks",
                columns: table => new
                {
                    UserId = table.Column<long>(type: "bigint", nullable: false),
                    BlockedUserId = table.Column<long>(type: "bigint", nullable: false),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEngineBlocks", x => new { x.UserId, x.BlockedUserId });
                });

            migrationBuilder.CreateTable(
                name: "ChatEngineReports",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ChatId = table.Column<long>(type: "bigint", nullable: false),
                    MessageId = table.Column<long>(type: "bigint", nullable: false),
                    ReporterId = table.Column<long>(type: "bigint", nullable: false),
                    Reason = table.Column<int>(type: "integer", nullable: false),
                    Note = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    MessageSenderId = table.Column<long>(type: "bigint", nullable: false),
                    MessageText = table.Column<string>(type: "text", nullable: false),
                    MessageSentAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEngineReports", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ChatEngineReports_ChatEngineChats_ChatId",
                        column: x => x.ChatId,
                        principalTable: "ChatEngineChats",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineReports_ChatId_Id",
                table: "ChatEngineReports",
                columns: new[] { "ChatId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineReports_MessageId_ReporterId",
                table: "ChatEngineReports",
                columns: new[] { "MessageId", "ReporterId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineReports_ReporterId_At",
                table: "ChatEngineReports",
                columns: new[] { "ReporterId", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ChatEngineBans");

            migrationBuilder.DropTable(
                name: "ChatEngineBlocks");

            migrationBuilder.DropTable(
                name: "ChatEngineReports");

            migrationBuilder.DropColumn(
                name: "MuteAt",
                table: "ChatEngineMembers");

            migrationBuilder.DropColumn(
                name: "MuteBy",
                table: "ChatEngineMembers");

            migrationBuilder.DropColumn(
                name: "MuteReason",
                table: "ChatEngineMembers");

            migrationBuilder.DropColumn(
                name: "MuteUntil",
                table: "ChatEngineMembers");
        }
    }
}
