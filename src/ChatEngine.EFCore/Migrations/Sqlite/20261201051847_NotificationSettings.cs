using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatEngine.EntityFrameworkCore.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class NotificationSettings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "MutedUntil",
                table: "ChatEngineMembers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "NotifyLevel",
                table: "ChatEngineMembers",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "MutedUntil",
                table: "ChatEngineMembers");

            migrationBuilder.DropColumn(
                name: "NotifyLevel",
                table: "ChatEngineMembers");
        }
    }
}
