using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatEngine.EntityFrameworkCore.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class ChangeLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "Seq",
                table: "ChatEngineMessages",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "Seq",
                table: "ChatEngineChats",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            // Existing history keeps its numbers: each message's change number is its sequence.
            migrationBuilder.Sql("UPDATE \"ChatEngineMessages\" SET \"Seq\" = \"Sequence\"");
            migrationBuilder.Sql("UPDATE \"ChatEngineChats\" SET \"Seq\" = \"LastSequence\"");

            migrationBuilder.CreateTable(
                name: "ChatEngineChanges",
                columns: table => new
                {
                    ChatId = table.Column<long>(type: "INTEGER", nullable: false),
                    Seq = table.Column<long>(type: "INTEGER", nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Data = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEngineChanges", x => new { x.ChatId, x.Seq });
                    table.ForeignKey(
                        name: "FK_ChatEngineChanges_ChatEngineChats_ChatId",
                        column: x => x.ChatId,
                        principalTable: "ChatEngineChats",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineMessages_ChatId_Seq",
                table: "ChatEngineMessages",
                columns: new[] { "ChatId", "Seq" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ChatEngineChanges");

            migrationBuilder.DropIndex(
                name: "IX_ChatEngineMessages_ChatId_Seq",
                table: "ChatEngineMessages");

            migrationBuilder.DropColumn(
                name: "Seq",
                table: "ChatEngineMessages");

            migrationBuilder.DropColumn(
                name: "Seq",
                table: "ChatEngineChats");
        }
    }
}
